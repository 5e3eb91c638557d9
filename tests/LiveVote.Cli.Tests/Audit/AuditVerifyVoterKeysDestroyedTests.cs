using System.Diagnostics;
using LiveVote.Cli.Audit;
using LiveVote.Cli.Tests.Infrastructure;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace LiveVote.Cli.Tests.Audit;

/// <summary>
/// A SQLite database whose closed poll had its voter-key secret destroyed by the server after its audit period: the
/// trail still verifies, and the destruction is accepted only once and only after the poll closed.
/// </summary>
public sealed class AuditVerifyVoterKeysDestroyedTests(AuditVerifyVoterKeysDestroyedTests.ShreddedDatabase database)
    : IClassFixture<AuditVerifyVoterKeysDestroyedTests.ShreddedDatabase>
{
    [Fact]
    public async Task Verify_PollShreddedByTheServer_Passes()
    {
        var result = await CliRunner.RunAsync("audit", "verify", "--sqlite", database.Copy());

        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        Assert.Contains(", voter-keys-destroyed 1\n", result.Output, StringComparison.Ordinal);
        var report = AuditVerifier.Verify(database.Copy());
        Assert.True(report.Ok, string.Join("\n", report.Problems));
        Assert.Equal(["a=3", "b=0"], report.Polls.Single(p => p.Id == database.ShreddedPollId).Options.Select(o => $"{o.Id}={o.Votes}"));
    }

    [Fact]
    public void Verify_DestructionOfAnOpenPollsKeys_FailsNamingIt()
    {
        var path = database.Copy();
        var seq = DatabaseTampering.AppendForgedEntry(path, "voter-keys-destroyed", database.OpenPollId, null, null, null);

        var report = AuditVerifier.Verify(path);

        var problem = Assert.Single(report.Problems);
        Assert.Equal(seq, problem.Seq);
        Assert.Contains("is open, its voter keys are destroyed only after it closed", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_SecondDestructionOrOneWithData_FailsNamingIt()
    {
        var path = database.Copy();
        var again = DatabaseTampering.AppendForgedEntry(path, "voter-keys-destroyed", database.ShreddedPollId, null, null, null);
        var withData = DatabaseTampering.AppendForgedEntry(path, "voter-keys-destroyed", database.OpenPollId, null, null, "{\"secret\":\"x\"}");

        var report = AuditVerifier.Verify(path);

        Assert.Contains(report.Problems, p => p.Seq == again && p.Message.Contains("were destroyed already", StringComparison.Ordinal));
        Assert.Contains(report.Problems, p => p.Seq == withData && p.Message.Contains("carries a voter_key, an option_id or data", StringComparison.Ordinal));
    }

    public sealed class ShreddedDatabase : IAsyncLifetime
    {
        private readonly DatabaseCopies _copies;

        public ShreddedDatabase() => _copies = new DatabaseCopies(Directory, "livevote-cli-shredded-copy");

        public string Directory { get; } = TempDirectory.Create("livevote-cli-shredded");

        public string ShreddedPollId { get; private set; } = "";

        public string OpenPollId { get; private set; } = "";

        public async Task InitializeAsync()
        {
            await using (var server = new LiveVoteServer(new Dictionary<string, string?> { ["LiveVote:Privacy:AuditPeriod"] = "00:00:01" }, dataDirectory: Directory))
            {
                var admin = server.AdminClient();
                ShreddedPollId = (await Api.CreateOpenPollAsync(admin, "a", "b")).Id;
                OpenPollId = (await Api.CreateOpenPollAsync(admin, "x", "y")).Id;
                foreach (var viewer in await Api.RegisterManyAsync(admin, 3))
                {
                    (await Api.VoteAsync(server.Client(), ShreddedPollId, viewer.Token, "a")).EnsureSuccessStatusCode();
                    (await Api.VoteAsync(server.Client(), OpenPollId, viewer.Token, "y")).EnsureSuccessStatusCode();
                }

                (await Api.ClosePollAsync(admin, ShreddedPollId)).EnsureSuccessStatusCode();
                var clock = Stopwatch.StartNew();
                while (!(await Api.AuditAsync(server.Client(), ShreddedPollId)).Any(e => e.Kind == "voter-keys-destroyed"))
                {
                    // A generous bound so a broken retention service fails the fixture instead of hanging it.
                    Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), "the server did not destroy the closed poll's voter-key secret");
                    await Task.Delay(100);
                }
            }

            SqliteConnection.ClearAllPools();
        }

        public Task DisposeAsync()
        {
            _copies.DeleteAll();
            return Task.CompletedTask;
        }

        public string Copy() => _copies.Copy();
    }
}
