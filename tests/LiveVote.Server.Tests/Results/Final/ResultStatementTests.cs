using LiveVote.Server.Audit;
using LiveVote.Server.Polls;
using LiveVote.Server.Results.Final;

namespace LiveVote.Server.Tests.Results.Final;

/// <summary>The statement body as documented (docs/design.md 7.6), and its figures read back from the signed note.</summary>
public sealed class ResultStatementTests
{
    private static readonly Poll Closed = new(
        "p-1", "Who?", PollRules.Options(("a", "A"), ("b", "B")), PollStatus.Closed, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);

    [Fact]
    public void Statement_HasTheDocumentedLines_AndReadsBack()
    {
        var root = Sha256Hash.Read(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());
        var body = ResultStatement.Body("livevote.local", Closed, 1000, [5, 2], [new StatementLog(1, 3, 9, root), new StatementLog(0, 0, 6, root)], 2000);

        var base64 = Convert.ToBase64String(root.ToArray());
        Assert.Equal(
            $"livevote.local/poll/p-1/result\nclosed 1000\ntotal 7\noption a 5\noption b 2\nlog 0.0 6 {base64}\nlog 1.3 9 {base64}\ntime 2000\n", body);
        Assert.True(ResultStatement.TryParse(body + "\n\u2014 livevote.local AAAA\n", out var parsed));
        Assert.Equal(7, parsed.Total);
        Assert.Equal([new("a", 5), new("b", 2)], parsed.Totals);
        Assert.Equal(2000, parsed.SignedAtUnixMs);
        Assert.Equal(new StatementLog(1, 3, 9, root), parsed.Logs[1]);
        Assert.False(ResultStatement.TryParse("livevote.local/poll/p-1/0.0\n6\nAAAA\n\n\u2014 k x\n", out _));
    }
}
