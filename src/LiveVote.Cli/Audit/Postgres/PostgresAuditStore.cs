using System.Data.Common;
using Npgsql;

namespace LiveVote.Cli.Audit.Postgres;

/// <summary>
/// A PostgreSQL store's SQL for <see cref="AuditRecount"/>: one chain per writer id. Chains interleave with no total
/// order, so the polls' lives are read in <c>at</c> order (ties by insert position). The votes table streams on a
/// second connection in the same exported snapshot (a connection streams one result at a time), see
/// <see cref="PostgresAuditVerifier"/>.
/// </summary>
internal sealed class PostgresAuditStore(
    NpgsqlConnection connection, NpgsqlTransaction transaction, NpgsqlConnection votesConnection, NpgsqlTransaction votesTransaction) : AuditStore
{
    private const string EntryColumns = "writer_id, seq, kind, poll_id, voter_key, option_id, at, data, prev_hash, hash";

    protected override string PollEntriesSql => $"SELECT {EntryColumns} FROM audit WHERE kind IN ({PollHistory.KindsSql}) ORDER BY at, pos";

    protected override string EntriesSql => $"SELECT {EntryColumns} FROM audit ORDER BY writer_id, seq";

    // votes' key is (poll_id, voter_key): rows forged onto one entry come together, in a stable order.
    protected override string VotesSql =>
        "SELECT writer_id, seq, poll_id, voter_key, option_id, receipt FROM votes ORDER BY writer_id, seq, poll_id, voter_key";

    protected override string TalliesSql => "SELECT poll_id, option_id, writer_id, count FROM tallies";

    protected override DbCommand Command(string sql) => new NpgsqlCommand(sql, connection, transaction);

    protected override DbCommand VotesCommand(string sql) => new NpgsqlCommand(sql, votesConnection, votesTransaction);
}
