using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace LiveVote.Cli.Audit;

/// <summary>
/// A SQLite database's SQL for <see cref="AuditRecount"/>: one writer, so one chain (chain 0), whose seq order is the
/// order things happened. All queries run in the one read transaction <see cref="AuditVerifier"/> opened (SQLite
/// streams several at once on one connection).
/// </summary>
internal sealed class SqliteAuditStore(SqliteConnection connection, SqliteTransaction transaction) : AuditStore
{
    private const string EntryColumns = "0, seq, kind, poll_id, voter_key, option_id, at, data, prev_hash, hash";

    protected override string PollEntriesSql => $"SELECT {EntryColumns} FROM audit WHERE kind IN ({PollHistory.KindsSql}) ORDER BY seq";

    protected override string EntriesSql => $"SELECT {EntryColumns} FROM audit ORDER BY seq";

    protected override string VotesSql => "SELECT 0, seq, poll_id, voter_key, option_id, NULL FROM votes ORDER BY seq";

    protected override string TalliesSql => "SELECT poll_id, option_id, 0, count FROM tallies";

    protected override DbCommand Command(string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }
}
