using LiveVote.Cli.Audit;
using LiveVote.Cli.Tests.Infrastructure;

namespace LiveVote.Cli.Tests.Audit;

/// <summary>
/// Risk decisions and admin lockouts changed form: earlier servers put the client network (and the signals) in the
/// public entry, today's put only what was decided and the ref of the restricted evidence row. A trail holds both
/// forms once a server is upgraded, and <c>audit verify</c> must pass it whole; neither form counts a vote.
/// </summary>
public sealed class AuditVerifyDecisionFormatsTests(VotedDatabase database) : IClassFixture<VotedDatabase>
{
    [Fact]
    public void Verify_TrailWithBothFormsOfDecisions_Passes_AndCountsNoVote()
    {
        var path = database.Copy();
        var voter = DatabaseTampering.VoterKeyOf(path, database.Accepted[0].Seq);
        DatabaseTampering.AppendForgedEntry(path, "risk-decision", database.OpenPollId, voter, null,
            """{"action":"captcha-required","reason":"young-account","score":55,"signals":{"young-account":55},"network":"127.0.0.0/24"}""");
        DatabaseTampering.AppendForgedEntry(path, "admin-lockout", null, null, null,
            """{"action":"admin-lockout","reason":"wrong-admin-key","failures":50,"lockoutSeconds":60,"network":"127.0.0.0/24"}""");
        DatabaseTampering.AppendForgedEntry(path, "risk-decision", database.OpenPollId, voter, null,
            """{"action":"suspected-bot","reason":"young-account","score":90,"evidence":"00112233445566778899aabbccddeeff"}""");
        DatabaseTampering.AppendForgedEntry(path, "admin-lockout", null, null, null,
            """{"action":"admin-lockout","reason":"wrong-admin-key","failures":50,"lockoutSeconds":120,"evidence":"ffeeddccbbaa99887766554433221100","suppressed":3}""");

        var report = AuditVerifier.Verify(path);

        Assert.True(report.Ok, string.Join("\n", report.Problems));
        Assert.Equal(2, report.EntriesByKind.Single(k => k.Kind == "risk-decision").Entries);
        Assert.Equal(3, report.EntriesByKind.Single(k => k.Kind == "admin-lockout").Entries);
        Assert.Equal(5, report.Polls.Single(p => p.Id == database.OpenPollId).Votes);
    }
}
