using System.Net.Http.Json;
using LiveVote.Cli.Audit;
using LiveVote.Cli.Tests.Infrastructure;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using static LiveVote.Server.Tests.Infrastructure.PresentationApi;

namespace LiveVote.Cli.Tests.Audit;

/// <summary>
/// A SQLite database where the producer froze and released the on-air results and changed what viewers see: the
/// recount accepts those entries, holds the polls table's presentation columns to them, and refuses a frozen snapshot
/// that shows more votes than were cast before it.
/// </summary>
public sealed class AuditVerifyPresentationTests(AuditVerifyPresentationTests.PresentedDatabase database)
    : IClassFixture<AuditVerifyPresentationTests.PresentedDatabase>
{
    [Fact]
    public async Task Verify_FreezesReleasesAndViewerResultsWrittenByTheServer_Pass()
    {
        var result = await CliRunner.RunAsync("audit", "verify", "--sqlite", database.Copy());

        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        Assert.Contains("results-frozen 3, results-released 1, viewer-results-shown 0, viewer-results-hidden 1\n", result.Output, StringComparison.Ordinal);
        var report = AuditVerifier.Verify(database.Copy());
        Assert.True(report.Ok, string.Join("\n", report.Problems));
        Assert.Equal(["a=2", "b=2"], report.Polls.Single(p => p.Id == database.ClosedPollId).Options.Select(o => $"{o.Id}={o.Votes}"));
    }

    [Fact]
    public void Verify_FrozenSnapshotShowingVotesNotYetCast_FailsNamingTheFreeze()
    {
        var path = database.Copy();
        DatabaseTampering.Execute(path, "UPDATE audit SET data = '{\"totals\":{\"a\":1,\"b\":4}}' WHERE seq = (SELECT min(seq) FROM audit WHERE kind = 'results-frozen')");

        var report = AuditVerifier.Verify(path);

        var seq = report.Problems.First(p => p.Message.StartsWith("hash mismatch", StringComparison.Ordinal)).Seq;
        Assert.Contains(report.Problems, p => p.Seq == seq && p.Message.Contains("shows 4 votes for option 'b', more than the 0 cast", StringComparison.Ordinal));
    }

    [Fact]
    public void Verify_ForgedReleaseOfResultsThatAreNotFrozen_FailsNamingIt()
    {
        var path = database.Copy();
        var seq = DatabaseTampering.AppendForgedEntry(path, "results-released", database.ClosedPollId, null, null, null);

        var report = AuditVerifier.Verify(path);

        var problem = Assert.Single(report.Problems);
        Assert.Equal(seq, problem.Seq);
        Assert.Contains("results-released while its results were not frozen", problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"operator\":\"admin-key\",\"totals\":{}}")]
    [InlineData("{\"operator\":42}")]
    [InlineData("{\"note\":\"x\"}")]
    public void Verify_ReleaseCarryingMoreThanWhoPressed_FailsNamingIt(string data)
    {
        var path = database.Copy();
        var seq = DatabaseTampering.AppendForgedEntry(path, "results-released", database.OpenPollId, null, null, data);

        var report = AuditVerifier.Verify(path);

        Assert.Contains(report.Problems, p => p.Seq == seq && p.Message.Contains("results-released entry carries data", StringComparison.Ordinal));
    }

    [Fact]
    public void Verify_PollsTableNoLongerFrozen_FailsNamingThePoll()
    {
        var path = database.Copy();
        DatabaseTampering.Execute(path, $"UPDATE polls SET frozen_totals = NULL WHERE id = '{database.OpenPollId}'");

        var report = AuditVerifier.Verify(path);

        var problem = Assert.Single(report.Problems);
        Assert.Equal(database.OpenPollId, problem.PollId);
        Assert.Contains("frozen results (none) differ", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_PollsTableShowingResultsTheChainHid_FailsNamingThePoll()
    {
        var path = database.Copy();
        DatabaseTampering.Execute(path, $"UPDATE polls SET show_results_to_viewers = 1 WHERE id = '{database.ClosedPollId}'");

        var report = AuditVerifier.Verify(path);

        var problem = Assert.Single(report.Problems);
        Assert.Equal(database.ClosedPollId, problem.PollId);
        Assert.Contains("viewers are shown the results", problem.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// One poll created showing viewers the results, frozen, released, frozen again, its viewer results hidden, then
    /// closed while frozen; another left open and frozen.
    /// </summary>
    public sealed class PresentedDatabase : IAsyncLifetime
    {

        private readonly DatabaseCopies _copies;

        public PresentedDatabase() => _copies = new DatabaseCopies(Directory, "livevote-cli-presented-copy");

        public string Directory { get; } = TempDirectory.Create("livevote-cli-presented");

        public string ClosedPollId { get; private set; } = "";

        public string OpenPollId { get; private set; } = "";

        public async Task InitializeAsync()
        {
            await using (var server = new LiveVoteServer(dataDirectory: Directory))
            {
                var admin = server.AdminClient();
                var created = await admin.PostAsJsonAsync("/v1/polls",
                    new CreatePollRequest("Shown", [new PollOptionDto("a", "A"), new PollOptionDto("b", "B")], true), ContractsJsonContext.Default.CreatePollRequest);
                ClosedPollId = (await created.EnsureSuccessStatusCode().Content.ReadFromJsonAsync(ContractsJsonContext.Default.PollDto))!.Id;
                (await Api.OpenPollAsync(admin, ClosedPollId)).EnsureSuccessStatusCode();
                (await FreezeAsync(admin, ClosedPollId)).EnsureSuccessStatusCode();
                await CastAsync(admin, ClosedPollId, "a", "b");
                (await ReleaseAsync(admin, ClosedPollId)).EnsureSuccessStatusCode();
                (await FreezeAsync(admin, ClosedPollId)).EnsureSuccessStatusCode();
                await CastAsync(admin, ClosedPollId, "a", "b");
                (await SetViewerResultsAsync(admin, ClosedPollId, false)).EnsureSuccessStatusCode();
                (await Api.ClosePollAsync(admin, ClosedPollId)).EnsureSuccessStatusCode();

                OpenPollId = (await Api.CreateOpenPollAsync(admin, "x", "y")).Id;
                await CastAsync(admin, OpenPollId, "x");
                (await FreezeAsync(admin, OpenPollId)).EnsureSuccessStatusCode();
                await CastAsync(admin, OpenPollId, "y");
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
