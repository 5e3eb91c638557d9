using Npgsql;

namespace LiveVote.Cli.Audit.Postgres;

/// <summary>
/// Walks the PostgreSQL <c>votes</c> table in (writer_id, seq) order beside the chains pass (a merge join on the entry
/// each row names), so neither table is held in memory. Runs on its own connection: a connection streams one result
/// at a time, and that connection reads the same snapshot (see <see cref="PostgresAuditVerifier"/>).
/// </summary>
internal sealed class SharedVotesCursor : IDisposable
{
    private readonly NpgsqlCommand _command;
    private readonly NpgsqlDataReader _reader;

    public SharedVotesCursor(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        _command = new NpgsqlCommand(
            "SELECT writer_id, seq, poll_id, voter_key, option_id, receipt FROM votes ORDER BY writer_id, seq, poll_id, voter_key",
            connection, transaction);
        _reader = _command.ExecuteReader();
        Next();
    }

    public bool HasRow { get; private set; }

    public long Rows { get; private set; }

    public EntryRef Entry { get; private set; }

    public string PollId { get; private set; } = "";

    public byte[] VoterKey { get; private set; } = [];

    public string OptionId { get; private set; } = "";

    public byte[] Receipt { get; private set; } = [];

    public string VoterHex => Convert.ToHexStringLower(VoterKey);

    public string Describe() => $"votes row (poll {PollId}, voter {VoterHex}, option '{OptionId}')";

    /// <summary>True when the current row names an entry before the given one (in chain, then seq order).</summary>
    public bool IsBefore(EntryRef entry) =>
        HasRow && (Entry.Chain < entry.Chain || (Entry.Chain == entry.Chain && Entry.Seq < entry.Seq));

    public bool IsAt(EntryRef entry) => HasRow && Entry == entry;

    public void Next()
    {
        HasRow = _reader.Read();
        if (!HasRow)
        {
            return;
        }

        // Every column is NOT NULL in the schema; a reader failure on a tampered schema is reported as unreadable.
        Rows++;
        Entry = new EntryRef(_reader.GetInt32(0), _reader.GetInt64(1));
        PollId = _reader.GetString(2);
        VoterKey = _reader.GetFieldValue<byte[]>(3);
        OptionId = _reader.GetString(4);
        Receipt = _reader.GetFieldValue<byte[]>(5);
    }

    public void Dispose()
    {
        _reader.Dispose();
        _command.Dispose();
    }
}
