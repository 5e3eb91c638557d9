using System.Data.Common;
using LiveVote.Server.Polls;

namespace LiveVote.Server.Storage;

/// <summary>The <c>polls</c> row as both stores keep it, read back into a <see cref="Poll"/>.</summary>
internal static class PollRows
{
    /// <summary>Columns in the order <see cref="Read"/> expects them.</summary>
    public const string Columns =
        "id, title, options, status, created_at, opened_at, closed_at, show_results_to_viewers, frozen_totals, frozen_at, results_revision, partition_count, voter_secret, voter_keys_destroyed_at, code, results_hidden, archived_at, deleted_at";

    public static Poll Read(DbDataReader reader)
    {
        if (!Poll.TryParseStatus(reader.GetString(3), out var status))
        {
            throw new InvalidDataException($"Poll {reader.GetString(0)} has an unknown status.");
        }

        var poll = new Poll(
            reader.GetString(0),
            reader.GetString(1),
            [.. StorageJsonContext.ParseOptions(reader.GetString(2))],
            status,
            DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)),
            reader.IsDBNull(5) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)),
            reader.IsDBNull(6) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)))
        {
            ShowResultsToViewers = reader.GetBoolean(7),
            ResultsRevision = reader.GetInt64(10),
            PartitionCount = PartitionCount(reader, 11),
            VoterSecret = reader.IsDBNull(12) ? null : new Votes.PollVoterSecret(reader.GetFieldValue<byte[]>(12)),
            VoterKeysDestroyedAt = reader.IsDBNull(13) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(13)),

            // A poll from before join codes has none stored: it gets the one derived from its id, the same everywhere.
            Code = reader.IsDBNull(14) ? PollCodes.Derived(reader.GetString(0)) : reader.GetString(14),
            ResultsHidden = reader.GetBoolean(15),
            ArchivedAt = reader.IsDBNull(16) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(16)),
            DeletedAt = reader.IsDBNull(17) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(17)),
        };
        return reader.IsDBNull(8)
            ? poll
            : poll with
            {
                Frozen = new FrozenResults(
                    [.. FrozenResultsJson.Parse(reader.GetString(8), poll)],
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.IsDBNull(9) ? 0 : reader.GetInt64(9))),
            };
    }

    /// <summary>The store partitions the poll was created with (<see cref="Poll.PartitionCount"/>); a value no code writes is refused.</summary>
    private static int PartitionCount(DbDataReader reader, int ordinal)
    {
        var count = reader.GetInt64(ordinal);
        return count is >= 1 and <= Votes.VoterPartitioner.MaxPartitions
            ? (int)count
            : throw new InvalidDataException($"Poll {reader.GetString(0)} has an invalid partition count {count}.");
    }

    /// <summary>
    /// Every poll, in creation order, and its tallies, aligned with its options. <paramref name="talliesSql"/> selects
    /// (poll_id, option_id, count): a store with several writers sums its per-writer rows there.
    /// </summary>
    public static async Task<(List<Poll> Polls, Dictionary<string, long[]> Tallies)> LoadAsync(
        DbConnection connection, string talliesSql, CancellationToken cancellationToken)
    {
        var polls = new List<Poll>();
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = $"SELECT {Columns} FROM polls";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                polls.Add(Read(reader));
            }
        }

        polls.Sort((a, b) => a.CreatedAt != b.CreatedAt ? a.CreatedAt.CompareTo(b.CreatedAt) : string.CompareOrdinal(a.Id, b.Id));
        var byId = polls.ToDictionary(p => p.Id, StringComparer.Ordinal);
        var tallies = polls.ToDictionary(p => p.Id, p => new long[p.Options.Length], StringComparer.Ordinal);
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = talliesSql;
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                if (byId.TryGetValue(reader.GetString(0), out var poll) && poll.IndexOfOption(reader.GetString(1)) is >= 0 and var i)
                {
                    tallies[poll.Id][i] = reader.GetInt64(2);
                }
            }
        }

        return (polls, tallies);
    }

    /// <summary>
    /// The audit data of a poll change: the definition when created or edited, the snapshot when frozen, else none;
    /// with <c>"operator"</c> last when someone pressed for it (<see cref="Audit.AuditNoteData.WithOperator"/>).
    /// </summary>
    public static string? AuditData(Poll poll, string kind, string? operatorName = null) => Audit.AuditNoteData.WithOperator(kind switch
    {
        Audit.AuditKinds.PollCreated or Audit.AuditKinds.PollEdited => StorageJsonContext.DefinitionJson(poll),
        Audit.AuditKinds.ResultsFrozen => FrozenResultsJson.Write(poll),
        _ => null,
    }, operatorName);
}
