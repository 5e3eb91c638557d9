using LiveVote.Cli.CommandLine;
using LiveVote.Cli.Tests.Infrastructure;
using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Cli.Tests.Loadgen;

/// <summary><c>loadgen --export-tokens</c>: the fresh viewer tokens wrk's vote script consumes, one a line.</summary>
public sealed class TokenExportTests
{
    [Fact]
    public async Task ExportTokens_WritesThatManyDistinctTokensEachAbleToVoteOnce()
    {
        await using var server = new LiveVoteServer();
        var output = TempDirectory.Create("tokens-test");
        try
        {
            var path = Path.Combine(output, "tokens.txt");
            var result = await CliRunner.RunAsync("loadgen", "--url", server.Client().BaseAddress!.ToString(), "--admin-key", LiveVoteServer.AdminKey,
                "--viewers", "25", "--export-tokens", path);

            Assert.True(result.ExitCode == ExitCodes.Ok, result.Output + result.Error);
            var tokens = await File.ReadAllLinesAsync(path);
            Assert.Equal(25, tokens.Length);
            Assert.Equal(25, tokens.Distinct(StringComparer.Ordinal).Count());
            Assert.False(File.Exists(path + ".partial"));

            // No poll was made by the export; the tokens are real viewers' tokens.
            using var admin = server.AdminClient();
            Assert.Empty((await Api.PollsAsync(admin)).Polls);
            var poll = await Api.CreateOpenPollAsync(admin, "o1", "o2");
            using var first = await Api.VoteAsync(server.Client(), poll.Id, tokens[0], "o1");
            using var last = await Api.VoteAsync(server.Client(), poll.Id, tokens[^1], "o2");
            Assert.Equal(201, (int)first.StatusCode);
            Assert.Equal(201, (int)last.StatusCode);
        }
        finally
        {
            TempDirectory.Delete(output);
        }
    }

    [Fact]
    public async Task ExportTokens_WrongAdminKey_FailsWithExitCodeOneAndWritesNothing()
    {
        await using var server = new LiveVoteServer();
        var output = TempDirectory.Create("tokens-test");
        try
        {
            var path = Path.Combine(output, "tokens.txt");
            var result = await CliRunner.RunAsync("loadgen", "--url", server.Client().BaseAddress!.ToString(), "--admin-key", "wrong-key-0123456789",
                "--viewers", "5", "--export-tokens", path);

            Assert.Equal(ExitCodes.Failed, result.ExitCode);
            Assert.Contains("FAIL:", result.Output, StringComparison.Ordinal);
            Assert.False(File.Exists(path));
        }
        finally
        {
            TempDirectory.Delete(output);
        }
    }
}
