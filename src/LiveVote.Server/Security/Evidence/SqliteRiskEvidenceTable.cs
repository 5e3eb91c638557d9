using LiveVote.Server.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Security.Evidence;

/// <summary>
/// <c>risk_evidence</c> in the embedded node's SQLite file (created by <see cref="SqliteSchema"/> when the vote store
/// opens the file). Like the used-challenge table, each call opens its own short-lived connection that never creates
/// the file, and writes wait for the vote writer's lock (busy timeout). Deletes run with <c>secure_delete</c>, so an
/// expired row's bytes are overwritten in the file, not left in a free page for a copy of the file to carry on.
/// </summary>
internal sealed class SqliteRiskEvidenceTable(IOptions<SqliteOptions> options, Storage.Sqlite.SqliteWriteTurn? writeTurn = null) : IRiskEvidenceTable
{
    // The process's turn at the file's write lock, shared with the vote writer (one of its own when none is given).
    private readonly Storage.Sqlite.SqliteWriteTurn _writeTurn = writeTurn ?? new();

    private const int BusyTimeoutSeconds = 5;

    private const string Columns = "seq, ref, kind, action, poll_id, voter_key, network, detail, at";

    private readonly string _connectionString = Storage.Sqlite.SqliteSideConnection.ConnectionString(options.Value, BusyTimeoutSeconds);

    public async Task InsertAsync(IReadOnlyList<RiskEvidence> rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        using var turn = await _writeTurn.EnterAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = connection.BeginTransaction(deferred: false);
        await using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO risk_evidence (ref, kind, action, poll_id, voter_key, network, detail, at)
            VALUES ($ref, $kind, $action, $poll, $voter, $network, $detail, $at)
            """;
        var reference = insert.Parameters.Add("$ref", SqliteType.Blob);
        var kind = insert.Parameters.Add("$kind", SqliteType.Text);
        var action = insert.Parameters.Add("$action", SqliteType.Text);
        var poll = insert.Parameters.Add("$poll", SqliteType.Text);
        var voter = insert.Parameters.Add("$voter", SqliteType.Blob);
        var network = insert.Parameters.Add("$network", SqliteType.Text);
        var detail = insert.Parameters.Add("$detail", SqliteType.Text);
        var at = insert.Parameters.Add("$at", SqliteType.Integer);
        foreach (var row in rows)
        {
            reference.Value = row.Ref;
            kind.Value = row.Kind;
            action.Value = row.Action;
            poll.Value = (object?)row.PollId ?? DBNull.Value;
            voter.Value = (object?)row.VoterKey ?? DBNull.Value;
            network.Value = row.Network;
            detail.Value = row.Detail;
            at.Value = row.AtUnixMs;
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<RiskEvidence>> ReadAsync(EvidenceQuery query, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var select = connection.CreateCommand();
        select.CommandText = $"""
            SELECT {Columns} FROM risk_evidence
            WHERE seq > $after AND ($poll IS NULL OR poll_id = $poll) AND ($ref IS NULL OR ref = $ref)
            ORDER BY seq LIMIT $limit
            """;
        select.Parameters.AddWithValue("$after", query.After);
        select.Parameters.Add("$poll", SqliteType.Text).Value = (object?)query.PollId ?? DBNull.Value;
        select.Parameters.Add("$ref", SqliteType.Blob).Value = (object?)query.Ref ?? DBNull.Value;
        select.Parameters.AddWithValue("$limit", query.Limit);
        var rows = new List<RiskEvidence>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new RiskEvidence(
                reader.GetInt64(0), (byte[])reader.GetValue(1), reader.GetString(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : (byte[])reader.GetValue(5),
                reader.GetString(6), reader.GetString(7), reader.GetInt64(8)));
        }

        return rows;
    }

    public async Task<int> DeleteRecordedBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var delete = connection.CreateCommand();
        delete.CommandText = "DELETE FROM risk_evidence WHERE at < $cutoff";
        delete.Parameters.AddWithValue("$cutoff", cutoff.ToUnixTimeMilliseconds());
        using var turn = await _writeTurn.EnterAsync(cancellationToken).ConfigureAwait(false);
        return await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<int> DeleteVoterAsync(string pollId, byte[] voterKey, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var delete = connection.CreateCommand();
        delete.CommandText = "DELETE FROM risk_evidence WHERE poll_id = $poll AND voter_key = $voter";
        delete.Parameters.AddWithValue("$poll", pollId);
        delete.Parameters.Add("$voter", SqliteType.Blob).Value = voterKey;
        using var turn = await _writeTurn.EnterAsync(cancellationToken).ConfigureAwait(false);
        return await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken) =>
        Storage.Sqlite.SqliteSideConnection.OpenAsync(_connectionString, BusyTimeoutSeconds, "PRAGMA secure_delete = ON;", cancellationToken);
}
