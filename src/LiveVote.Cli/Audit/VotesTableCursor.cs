using Microsoft.Data.Sqlite;

namespace LiveVote.Cli.Audit;

/// <summary>
/// Walks the <c>votes</c> table in seq order beside the audit pass (a merge join on seq), so both tables are streamed
/// once and neither is held in memory.
/// </summary>
internal sealed class VotesTableCursor : IDisposable
{
    private readonly SqliteCommand _command;
    private readonly SqliteDataReader _reader;

    public VotesTableCursor(SqliteConnection connection, SqliteTransaction transaction)
    {
        _command = connection.CreateCommand();
        _command.Transaction = transaction;
        _command.CommandText = "SELECT seq, poll_id, voter_key, option_id FROM votes ORDER BY seq";
        _reader = _command.ExecuteReader();
        Next();
    }

    public bool HasRow { get; private set; }

    public long Rows { get; private set; }

    public long Seq { get; private set; }

    public string? PollId { get; private set; }

    public byte[]? VoterKey { get; private set; }

    public string? OptionId { get; private set; }

    public string VoterHex => VoterKey is null ? "(none)" : Convert.ToHexStringLower(VoterKey);

    public void Next()
    {
        HasRow = _reader.Read();
        if (!HasRow)
        {
            return;
        }

        Rows++;
        Seq = _reader.GetInt64(0);
        PollId = StoredValue.Text(_reader, 1);
        VoterKey = StoredValue.Blob(_reader, 2);
        OptionId = StoredValue.Text(_reader, 3);
    }

    public void Dispose()
    {
        _reader.Dispose();
        _command.Dispose();
    }
}
