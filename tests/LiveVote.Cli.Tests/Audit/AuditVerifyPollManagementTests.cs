using System.Net.Http.Json;
using LiveVote.Cli.Audit;
using LiveVote.Cli.Tests.Infrastructure;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using static LiveVote.Server.Tests.Infrastructure.PresentationApi;

namespace LiveVote.Cli.Tests.Audit;

/// <summary>
/// A SQLite database where the producer edited a draft, hid and revealed results, archived a closed poll and deleted a
/// draft: the recount replays those entries (the edited definition counts), and refuses them where they do not fit.
/// </summary>
public sealed class AuditVerifyPollManagementTests(AuditVerifyPollManagementTests.ManagedDatabase database)
    : IClassFixture<AuditVerifyPollManagementTests.ManagedDatabase>
{
    [Fact]
    public async Task Verify_EditsHiddenResultsArchivesAndDeletesWrittenByTheServer_Pass()
    {
        var result = await CliRunner.RunAsync("audit", "verify", "--sqlite", database.Copy());

        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        var report = AuditVerifier.Verify(database.Copy());
        Assert.True(report.Ok, string.Join("\n", report.Problems));
        Assert.Equal(["x=1", "y=2"], report.Polls.Single(p => p.Id == database.EditedPollId).Options.Select(o => $"{o.Id}={o.Votes}"));
    }

    [Fact]
    public void Verify_ForgedEditOfAClosedPoll_FailsNamingIt()
    {
        var path = database.Copy();
        var seq = DatabaseTampering.AppendForgedEntry(path, "poll-edited", database.EditedPollId, null, null,
            "{\"title\":\"Changed after the count\",\"options\":[{\"id\":\"x\",\"label\":\"X\"},{\"id\":\"y\",\"label\":\"Y\"}]}");

        var report = AuditVerifier.Verify(path);

        Assert.Contains(report.Problems, p => p.Seq == seq && p.Message.Contains("only a draft is edited", StringComparison.Ordinal));
    }

    [Fact]
    public void Verify_ForgedEntryOfADeletedPoll_FailsNamingIt()
    {
        var path = database.Copy();
        var seq = DatabaseTampering.AppendForgedEntry(path, "poll-opened", database.DeletedPollId, null, null, null);

        var report = AuditVerifier.Verify(path);

        Assert.Contains(report.Problems, p => p.Seq == seq && p.Message.Contains("which was deleted", StringComparison.Ordinal));
    }

    [Fact]
    public void Verify_ForgedRevealOfResultsThatAreNotHidden_FailsNamingIt()
    {
        var path = database.Copy();
        var seq = DatabaseTampering.AppendForgedEntry(path, "results-revealed", database.EditedPollId, null, null, null);

        var report = AuditVerifier.Verify(path);

        var problem = Assert.Single(report.Problems);
        Assert.Equal(seq, problem.Seq);
        Assert.Contains("results-revealed while the results were not hidden already", problem.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// A draft created hidden, edited (other options), opened, voted in, revealed, closed, archived, unarchived and archived
    /// again; another draft deleted.
    /// </summary>
    public sealed class ManagedDatabase : IAsyncLifetime
    {
        private readonly DatabaseCopies _copies;

        public ManagedDatabase() => _copies = new DatabaseCopies(Directory, "livevote-cli-managed-copy");

        public string Directory { get; } = TempDirectory.Create("livevote-cli-managed");

        public string EditedPollId { get; private set; } = "";

        public string DeletedPollId { get; private set; } = "";

        public async Task InitializeAsync()
        {
            await using (var server = new LiveVoteServer(dataDirectory: Directory))
            {
                var admin = server.AdminClient();
                var created = await admin.PostAsJsonAsync("/v1/polls",
                    new CreatePollRequest("Draft", [new PollOptionDto("a", "A"), new PollOptionDto("b", "B")], HideResultsUntilReveal: true),
                    ContractsJsonContext.Default.CreatePollRequest);
                EditedPollId = (await created.EnsureSuccessStatusCode().Content.ReadFromJsonAsync(ContractsJsonContext.Default.PollDto))!.Id;
                (await admin.PutAsJsonAsync($"/v1/polls/{EditedPollId}",
                    new CreatePollRequest("Edited", [new PollOptionDto("x", "X"), new PollOptionDto("y", "Y")]),
                    ContractsJsonContext.Default.CreatePollRequest)).EnsureSuccessStatusCode();
                (await Api.OpenPollAsync(admin, EditedPollId)).EnsureSuccessStatusCode();
                await CastAsync(admin, EditedPollId, "x", "y", "y");
                (await admin.PostAsync($"/v1/polls/{EditedPollId}/reveal", null)).EnsureSuccessStatusCode();
                (await Api.ClosePollAsync(admin, EditedPollId)).EnsureSuccessStatusCode();
                foreach (var change in new[] { "archive", "unarchive", "archive" })
                {
                    (await admin.PostAsync($"/v1/polls/{EditedPollId}/{change}", null)).EnsureSuccessStatusCode();
                }

                DeletedPollId = (await Api.CreatePollAsync(admin, "Never shown", "p", "q")).Id;
                (await admin.DeleteAsync($"/v1/polls/{DeletedPollId}")).EnsureSuccessStatusCode();
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
