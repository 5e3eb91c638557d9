using System.Data.Common;

namespace LiveVote.Cli.Audit;

/// <summary>
/// What a database gives the recount: its SQL and a command to run it, nothing else. The rows are read here, alike for
/// every database and without trusting their types (<see cref="StoredValue"/>: SQLite has no column types, and a
/// tampered column is a problem to report, not a crash), and every check is made once on them by
/// <see cref="AuditRecount"/>: the algorithm in the core, each database only its SQL. Every query streams; no table is
/// held in memory.
/// </summary>
internal abstract class AuditStore
{
    /// <summary>
    /// The entries of the polls' lives (<c>kind IN (</c><see cref="PollHistory.KindsSql"/><c>)</c>) in the order they
    /// happened, as <see cref="EntriesSql"/> selects them.
    /// </summary>
    protected abstract string PollEntriesSql { get; }

    /// <summary>
    /// Every entry in (chain, seq) order: <c>chain, seq, kind, poll_id, voter_key, option_id, at, data, prev_hash, hash</c>.
    /// </summary>
    protected abstract string EntriesSql { get; }

    /// <summary>
    /// The votes table in (chain, seq) order of the entry each row names: <c>chain, seq, poll_id, voter_key, option_id,
    /// receipt</c> (<c>NULL</c> where the store keeps no receipt).
    /// </summary>
    protected abstract string VotesSql { get; }

    /// <summary>The tallies table: <c>poll_id, option_id, chain, count</c>.</summary>
    protected abstract string TalliesSql { get; }

    public IEnumerable<StoredEntry> PollEntries() => Read(Command, PollEntriesSql, ReadEntry);

    public IEnumerable<StoredEntry> Entries() => Read(Command, EntriesSql, ReadEntry);

    /// <summary>Read while <see cref="Entries"/> is (a merge join).</summary>
    public IEnumerable<VotesRow> VotesRows() => Read(VotesCommand, VotesSql, r => new VotesRow(
        new EntryRef(r.GetInt32(0), r.GetInt64(1)), StoredValue.Text(r, 2), StoredValue.Blob(r, 3), StoredValue.Text(r, 4), StoredValue.Blob(r, 5)));

    public IEnumerable<TallyRow> Tallies() => Read(Command, TalliesSql, r => new TallyRow(r.GetString(0), r.GetString(1), r.GetInt32(2), r.GetInt64(3)));

    public IEnumerable<PollsRow> Polls() => Read(Command, PollsTableCheck.Query, PollsTableCheck.ReadRow);

    /// <summary>A command in the store's read-only snapshot.</summary>
    protected abstract DbCommand Command(string sql);

    /// <summary>The command for <see cref="VotesSql"/>, which runs while <see cref="EntriesSql"/> is still being read.</summary>
    protected virtual DbCommand VotesCommand(string sql) => Command(sql);

    private static StoredEntry ReadEntry(DbDataReader reader) => new(
        new EntryRef(reader.GetInt32(0), reader.GetInt64(1)),
        StoredValue.Text(reader, 2) ?? "",
        StoredValue.Text(reader, 3),
        StoredValue.Blob(reader, 4),
        !reader.IsDBNull(4),
        StoredValue.Text(reader, 5),
        reader.GetInt64(6),
        StoredValue.Text(reader, 7),
        StoredValue.Blob(reader, 8),
        StoredValue.Blob(reader, 9));

    /// <summary>The command is made when the walk over the rows starts, and disposed with its reader when the walk ends.</summary>
    private static IEnumerable<T> Read<T>(Func<string, DbCommand> command, string sql, Func<DbDataReader, T> read)
    {
        using var query = command(sql);
        using var reader = query.ExecuteReader();
        while (reader.Read())
        {
            yield return read(reader);
        }
    }
}
