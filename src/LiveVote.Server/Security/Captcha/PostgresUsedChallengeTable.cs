using LiveVote.Server.Storage.Postgres;
using Npgsql;

namespace LiveVote.Server.Security.Captcha;

/// <summary>
/// <c>used_challenges</c> in the PostgreSQL database every node of a fleet shares (migration 5 of
/// <see cref="PostgresSchema"/>), through the node's one data source. A batch is one statement, so one transaction:
/// its primary key settles first use across every node, a node inserting a challenge another node's open transaction
/// holds waiting for that one's outcome. Keys go in sorted, so two nodes' batches never wait on each other in a cycle.
/// </summary>
internal sealed class PostgresUsedChallengeTable(NpgsqlDataSource dataSource) : IUsedChallengeTable
{
    /// <summary>
    /// The data source never times a command out (a vote commit must not be cancelled); a registration must not wait
    /// on a database that does not answer: after this it is refused with 503 and retried.
    /// </summary>
    private const int CommandTimeoutSeconds = 5;

    public async Task<bool[]> InsertNewAsync(IReadOnlyList<UsedChallenge> challenges, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(challenges);
        await using var insert = dataSource.CreateCommand(
            """
            INSERT INTO used_challenges (challenge, expires_at)
            SELECT c, e FROM unnest($1::bytea[], $2::bigint[]) AS t (c, e) ORDER BY c
            ON CONFLICT (challenge) DO NOTHING
            RETURNING challenge
            """);
        insert.CommandTimeout = CommandTimeoutSeconds;
        insert.Bind(challenges.Select(c => c.Key).ToArray()).Bind(challenges.Select(c => c.ExpiresAtMs).ToArray());
        var inserted = new HashSet<string>(StringComparer.Ordinal);
        await using (var reader = await insert.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                inserted.Add(Convert.ToHexString(reader.GetFieldValue<byte[]>(0)));
            }
        }

        return [.. challenges.Select(c => inserted.Contains(Convert.ToHexString(c.Key)))];
    }

    public async Task<int> DeleteExpiredAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        await using var delete = dataSource.CreateCommand("DELETE FROM used_challenges WHERE expires_at < $1");
        delete.CommandTimeout = CommandTimeoutSeconds;
        delete.Bind(cutoff.ToUnixTimeMilliseconds());
        return await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
