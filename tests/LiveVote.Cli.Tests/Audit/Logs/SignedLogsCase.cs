using System.Text.Json;
using LiveVote.Cli.Tests.Infrastructure;

namespace LiveVote.Cli.Tests.Audit.Logs;

/// <summary>
/// A copy of the real server's database with its polls' logs signed (<see cref="SignedLogs"/>: heads every 2 leaves and
/// at each log's end, the closed poll's result statement), plus the files an auditor brings: the heads (as
/// <c>audit heads</c> writes them) and every accepted vote's receipt with its leaf.
/// </summary>
public sealed class SignedLogsCase
{
    public SignedLogsCase(VotedDatabase database, TestLogSigner signer)
    {
        Path = database.Copy();
        Signer = signer;
        using var logs = SignedLogs.Sqlite(Path);
        logs.EnsureTables();
        Notes = logs.SignHeads(signer, step: 2);
        Logs = logs.ReadLogs();
        Statement = SignedLogs.Statement(signer, database.ClosedPollId,
            [("yes", database.CountOf(database.ClosedPollId, "yes")), ("no", database.CountOf(database.ClosedPollId, "no"))], Logs);
        logs.StoreStatement(database.ClosedPollId, Statement);
        Notes.Add(Statement);
        HeadsFile = Path + ".heads.json";
        File.WriteAllText(HeadsFile, JsonSerializer.Serialize(Notes));
        ReceiptsFile = Path + ".receipts.json";
        File.WriteAllText(ReceiptsFile, JsonSerializer.Serialize(database.Accepted.Select(v => new
        {
            poll = v.PollId,
            log = "0.0",
            leaf = LeafOf(v.PollId, v.Seq),
            receipt = v.Receipt,
        })));
    }

    public string Path { get; }

    public TestLogSigner Signer { get; }

    public List<string> Notes { get; }

    public List<TestLog> Logs { get; }

    public string Statement { get; }

    public string HeadsFile { get; }

    public string ReceiptsFile { get; }

    public TestLog Log(string pollId) => Logs.Single(l => l.PollId == pollId);

    public int LeafOf(string pollId, long seq) => Log(pollId).Seqs.IndexOf(seq);

    public string[] Verify(params string[] extra) =>
        ["audit", "verify", "--sqlite", Path, "--key", Signer.VerifierKey, "--heads", HeadsFile, "--receipts", ReceiptsFile, .. extra];
}
