using System.Text.Json;
using LiveVote.Cli.CommandLine;
using LiveVote.Cli.Loadgen;
using LiveVote.Cli.Tests.Infrastructure;
using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Cli.Tests.Loadgen;

/// <summary><c>loadgen</c> run in process against the real server (real Kestrel, real SQLite) for a few seconds.</summary>
public sealed class LoadgenCommandTests
{
    [Fact]
    public async Task Loadgen_ClosedLoopWithInjectedDuplicates_PassesEveryEndOfRunCheck()
    {
        await using var server = new LiveVoteServer(LoadgenServerSettings.HighLimits());
        var output = TempDirectory.Create("loadgen-test");
        try
        {
            var outPath = Path.Combine(output, "run.json");
            var result = await CliRunner.RunAsync("loadgen", "--url", Url(server), "--admin-key", LiveVoteServer.AdminKey,
                "--duration", "3", "--warmup", "1", "--connections", "8", "--viewers", "4000", "--duplicate-share", "0.1", "--second-vote-share", "0.1", "--out", outPath);

            Assert.True(result.ExitCode == ExitCodes.Ok, result.Output + result.Error);
            var report = ReadReport(outPath);
            Assert.True(report.Passed);
            Assert.True(report.Accepted > 0);
            Assert.Equal(report.Accepted, report.ResultsTotal);
            Assert.Equal(report.Accepted, report.AuditVoteEntries);
            Assert.True(report.DuplicatesAnswered200 > 0, "some retries were injected and answered 200");
            Assert.True(report.SecondVotesAnswered409 > 0, "some second votes were injected and answered 409");
            Assert.All(report.Checks, c => Assert.True(c.Passed, c.Name + ": " + c.Detail));
            Assert.True(File.Exists(Path.ChangeExtension(outPath, ".md")));
            Assert.StartsWith("<svg", await File.ReadAllTextAsync(Path.ChangeExtension(outPath, ".svg")));
        }
        finally
        {
            TempDirectory.Delete(output);
        }
    }

    [Fact]
    public async Task Loadgen_OpenLoopAtConstantRate_CountsEveryAcknowledgedVoteOnce()
    {
        await using var server = new LiveVoteServer(LoadgenServerSettings.HighLimits());
        var output = TempDirectory.Create("loadgen-test");
        try
        {
            var outPath = Path.Combine(output, "open.json");
            var result = await CliRunner.RunAsync("loadgen", "--url", Url(server), "--admin-key", LiveVoteServer.AdminKey,
                "--mode", "open", "--rate", "200", "--duration", "2", "--connections", "8", "--viewers", "1000", "--out", outPath);

            Assert.True(result.ExitCode == ExitCodes.Ok, result.Output + result.Error);
            var report = ReadReport(outPath);
            Assert.Equal("open", report.Mode);
            Assert.True(report.Accepted > 0);
            Assert.Equal(report.Accepted, report.ResultsTotal);
            Assert.Equal(report.Accepted, report.AuditVoteEntries);
            Assert.Equal(report.Accepted, report.VoteToVisibleLatency.Count);
        }
        finally
        {
            TempDirectory.Delete(output);
        }
    }

    [Fact]
    public async Task Loadgen_WrongAdminKey_FailsWithExitCodeOne()
    {
        await using var server = new LiveVoteServer();

        var result = await CliRunner.RunAsync("loadgen", "--url", Url(server), "--admin-key", "not-the-admin-key-at-all", "--duration", "1", "--viewers", "10");

        Assert.Equal(ExitCodes.Failed, result.ExitCode);
        Assert.Contains("FAIL: Could not create the poll: 401", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Loadgen_OpenModeWithoutRate_IsAUsageError()
    {
        var result = await CliRunner.RunAsync("loadgen", "--url", "http://127.0.0.1:1", "--admin-key", "k", "--mode", "open");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("--rate is required", result.Error, StringComparison.Ordinal);
    }

    private static string Url(LiveVoteServer server) => server.Client().BaseAddress!.ToString();

    private static LoadReport ReadReport(string path) =>
        JsonSerializer.Deserialize(File.ReadAllText(path), LoadgenJsonContext.Default.LoadReport)!;
}
