using System.Data.Common;

namespace LiveVote.Server.Results.Final;

/// <summary>
/// The gate's figures from any ADO.NET store, the SQL supplied by the store: each query takes the poll id as its one
/// parameter (<c>$1</c>), and all run in the caller's read transaction (one snapshot).
/// </summary>
internal static class FigureQueries
{
    /// <param name="poll">SELECT status, closed_at: the poll's row.</param>
    /// <param name="voteRows">SELECT option_id, count: deduplicated votes per option.</param>
    /// <param name="tallies">SELECT option_id, count: the tally per option.</param>
    /// <param name="voteEntries">SELECT option_id, count: vote audit entries per option.</param>
    /// <param name="voteLeaves">SELECT count: vote audit entries that are log leaves.</param>
    /// <param name="logs">SELECT chain, entries, numbered leaves: one row per log (writer chain) of the poll.</param>
    public static async Task<PartitionFigures> ReadAsync(
        Func<string, DbCommand> command, string poll, string voteRows, string tallies, string voteEntries, string voteLeaves, string logs,
        CancellationToken cancellationToken)
    {
        string? status = null;
        long? closedAt = null;
        await using (var read = command(poll))
        await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken))
            {
                status = reader.GetString(0);
                closedAt = reader.IsDBNull(1) ? null : reader.GetInt64(1);
            }
        }

        var rows = await CountsAsync(command(voteRows), cancellationToken);
        var tally = await CountsAsync(command(tallies), cancellationToken);
        var entries = await CountsAsync(command(voteEntries), cancellationToken);
        long leaves;
        await using (var read = command(voteLeaves))
        {
            leaves = Convert.ToInt64(await read.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        }

        var chains = new List<LogFigures>();
        await using (var read = command(logs))
        await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                chains.Add(new LogFigures(Convert.ToInt32(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture), reader.GetInt64(1), reader.GetInt64(2)));
            }
        }

        return new PartitionFigures(status, closedAt, rows, tally, entries, leaves, chains);
    }

    private static async Task<Dictionary<string, long>> CountsAsync(DbCommand command, CancellationToken cancellationToken)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        await using (command)
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                counts[reader.GetString(0)] = reader.GetInt64(1);
            }
        }

        return counts;
    }
}
