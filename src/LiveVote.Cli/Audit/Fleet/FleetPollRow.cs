using System.Text.Json;
using LiveVote.Cli.Audit.Postgres;

namespace LiveVote.Cli.Audit.Fleet;

/// <summary>
/// A poll as one cluster's <c>polls</c> table defines it: what must be the same in every cluster (poll changes fan out
/// to all), and its status, which may lag in one cluster while a change is fanning out.
/// </summary>
internal sealed record FleetPollRow(string Id, string Title, string OptionsJson, string Status, int PartitionCount, long CreatedAt)
{
    public const string Query = "SELECT id, title, options, status, partition_count, created_at FROM polls";

    /// <summary>The cluster's polls by id (a handful: held in memory).</summary>
    public static Dictionary<string, FleetPollRow> ReadAll(PostgresSnapshot snapshot)
    {
        var polls = new Dictionary<string, FleetPollRow>(StringComparer.Ordinal);
        using var command = snapshot.Command(Query);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var row = new FleetPollRow(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt32(4), reader.GetInt64(5));
            polls[row.Id] = row;
        }

        return polls;
    }

    /// <summary>Same options: parsed when both parse (the JSON's spelling may differ), else the very same text.</summary>
    public bool SameOptions(FleetPollRow other)
    {
        var mine = ParseOptions(OptionsJson);
        var theirs = ParseOptions(other.OptionsJson);
        return mine is not null && theirs is not null
            ? mine.SequenceEqual(theirs)
            : string.Equals(OptionsJson, other.OptionsJson, StringComparison.Ordinal);
    }

    private static IReadOnlyList<PollOptionDefinition>? ParseOptions(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return PollDefinition.TryParseOptions(document.RootElement, out _);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
