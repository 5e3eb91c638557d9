using LiveVote.Server.Storage.Postgres;
using Npgsql;
using NpgsqlTypes;

namespace LiveVote.Server.Security.Evidence;

/// <summary>
/// <c>risk_evidence</c> in partition 0's PostgreSQL cluster (<see cref="PostgresSchema"/>), which every node of the
/// fleet shares, through the node's data source. A batch is one statement (one transaction). Deleted rows stay in the
/// table's pages until vacuum reclaims them (autovacuum, within minutes on a busy table); docs/design.md says so.
/// </summary>
internal sealed class PostgresRiskEvidenceTable(NpgsqlDataSource dataSource) : IRiskEvidenceTable
{
    /// <summary>The data source never times a command out; evidence must not hold a connection the votes need.</summary>
    private const int CommandTimeoutSeconds = 5;

    public async Task InsertAsync(IReadOnlyList<RiskEvidence> rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        await using var insert = dataSource.CreateCommand(
            """
            INSERT INTO risk_evidence (ref, kind, action, poll_id, voter_key, network, detail, at)
            SELECT * FROM unnest($1::bytea[], $2::text[], $3::text[], $4::text[], $5::bytea[], $6::text[], $7::text[], $8::bigint[])
            """);
        insert.CommandTimeout = CommandTimeoutSeconds;
        insert.Bind(rows.Select(r => r.Ref).ToArray())
            .Bind(rows.Select(r => r.Kind).ToArray())
            .Bind(rows.Select(r => r.Action).ToArray())
            .Bind(rows.Select(r => r.PollId).ToArray())
            .Bind(rows.Select(r => r.VoterKey).ToArray())
            .Bind(rows.Select(r => r.Network).ToArray())
            .Bind(rows.Select(r => r.Detail).ToArray())
            .Bind(rows.Select(r => r.AtUnixMs).ToArray());
        await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<RiskEvidence>> ReadAsync(EvidenceQuery query, CancellationToken cancellationToken)
    {
        await using var select = dataSource.CreateCommand(
            """
            SELECT seq, ref, kind, action, poll_id, voter_key, network, detail, at FROM risk_evidence
            WHERE seq > $1 AND ($2::text IS NULL OR poll_id = $2) AND ($3::bytea IS NULL OR ref = $3)
            ORDER BY seq LIMIT $4
            """);
        select.CommandTimeout = CommandTimeoutSeconds;
        select.Parameters.Add(new NpgsqlParameter<long> { TypedValue = query.After });
        select.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)query.PollId ?? DBNull.Value });
        select.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bytea, Value = (object?)query.Ref ?? DBNull.Value });
        select.Parameters.Add(new NpgsqlParameter<int> { TypedValue = query.Limit });
        var rows = new List<RiskEvidence>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new RiskEvidence(
                reader.GetInt64(0), reader.GetFieldValue<byte[]>(1), reader.GetString(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetFieldValue<byte[]>(5),
                reader.GetString(6), reader.GetString(7), reader.GetInt64(8)));
        }

        return rows;
    }

    public async Task<int> DeleteRecordedBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        await using var delete = dataSource.CreateCommand("DELETE FROM risk_evidence WHERE at < $1");
        delete.CommandTimeout = CommandTimeoutSeconds;
        delete.Bind(cutoff.ToUnixTimeMilliseconds());
        return await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<int> DeleteVoterAsync(string pollId, byte[] voterKey, CancellationToken cancellationToken)
    {
        await using var delete = dataSource.CreateCommand("DELETE FROM risk_evidence WHERE poll_id = $1 AND voter_key = $2");
        delete.CommandTimeout = CommandTimeoutSeconds;
        delete.Bind(pollId).Bind(voterKey);
        return await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
