using System.Globalization;
using Npgsql;

namespace LiveVote.Server.Tests.Infrastructure;

/// <summary>
/// One cluster's rows read straight from its database, for the multi-cluster checks (<see cref="MultiClusterFleet"/>):
/// its votes, its tallies, its copy of the polls, its identity and cluster map, one poll's audit entries in order.
/// </summary>
public static class ClusterRows
{
    /// <summary>The cluster's votes, keyed by (poll, voter key in hex).</summary>
    public static async Task<Dictionary<(string PollId, string VoterKey), VoteRow>> VotesAsync(string connectionString)
    {
        await using var connection = await OpenAsync(connectionString);
        return await StoredVotes.ReadVotesAsync(connection);
    }

    /// <summary>The cluster's tallies summed over its writers, per (poll, option): its part of the totals.</summary>
    public static async Task<Dictionary<(string PollId, string OptionId), long>> TalliesAsync(string connectionString)
    {
        await using var connection = await OpenAsync(connectionString);
        await using var command = new NpgsqlCommand("SELECT poll_id, option_id, sum(count)::bigint FROM tallies GROUP BY poll_id, option_id", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var tallies = new Dictionary<(string, string), long>();
        while (await reader.ReadAsync())
        {
            tallies.Add((reader.GetString(0), reader.GetString(1)), reader.GetInt64(2));
        }

        return tallies;
    }

    /// <summary>The recount of the cluster's stored votes per (poll, option): what its tallies must equal.</summary>
    public static async Task<Dictionary<(string PollId, string OptionId), long>> RecountAsync(string connectionString) =>
        (await VotesAsync(connectionString)).GroupBy(v => (v.Key.PollId, v.Value.OptionId)).ToDictionary(g => g.Key, g => (long)g.Count());

    /// <summary>The cluster's copy of the polls, by id.</summary>
    public static async Task<Dictionary<string, StoredPoll>> PollsAsync(string connectionString)
    {
        await using var connection = await OpenAsync(connectionString);
        await using var command = new NpgsqlCommand("SELECT id, status, partition_count, closed_at FROM polls", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var polls = new Dictionary<string, StoredPoll>();
        while (await reader.ReadAsync())
        {
            polls.Add(reader.GetString(0), new StoredPoll(reader.GetString(0), reader.GetString(1), reader.GetInt32(2), reader.IsDBNull(3) ? null : reader.GetInt64(3)));
        }

        return polls;
    }

    /// <summary>What the cluster records about itself (migration 6): its id, the partition index it was mapped to, the fleet map.</summary>
    public static async Task<ClusterIdentity> IdentityAsync(string connectionString)
    {
        await using var connection = await OpenAsync(connectionString);
        await using var command = new NpgsqlCommand("SELECT cluster_id, partition_index, map FROM cluster_identity", connection);
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            throw new InvalidOperationException("cluster_identity has no row");
        }

        return new ClusterIdentity(
            reader.GetGuid(0).ToString(), reader.IsDBNull(1) ? null : reader.GetInt32(1), reader.IsDBNull(2) ? null : reader.GetString(2));
    }

    /// <summary>One poll's audit entries in the cluster, in the cluster's global order (<c>pos</c>).</summary>
    public static async Task<List<ClusterAuditRow>> AuditAsync(string connectionString, string pollId)
    {
        await using var connection = await OpenAsync(connectionString);
        await using var command = new NpgsqlCommand(
            "SELECT pos, writer_id, seq, kind, voter_key, option_id, at FROM audit WHERE poll_id = @poll ORDER BY pos", connection);
        command.Parameters.AddWithValue("poll", pollId);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<ClusterAuditRow>();
        while (await reader.ReadAsync())
        {
            rows.Add(new ClusterAuditRow(
                reader.GetInt64(0), reader.GetInt32(1), reader.GetInt64(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : Convert.ToHexStringLower(reader.GetFieldValue<byte[]>(4)),
                reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetInt64(6)));
        }

        return rows;
    }

    /// <summary>A count or other single number.</summary>
    public static async Task<long> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = await OpenAsync(connectionString);
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    private static async Task<NpgsqlConnection> OpenAsync(string connectionString)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        return connection;
    }
}

public sealed record StoredPoll(string Id, string Status, int PartitionCount, long? ClosedAt);

/// <summary>A cluster's <c>cluster_identity</c> row; <see cref="Map"/> is the cluster ids of partitions 0, 1, ... joined by ','.</summary>
public sealed record ClusterIdentity(string ClusterId, int? PartitionIndex, string? Map);

public sealed record ClusterAuditRow(long Pos, int Writer, long Seq, string Kind, string? VoterKey, string? OptionId, long At);
