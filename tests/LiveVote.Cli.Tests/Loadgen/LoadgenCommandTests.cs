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
            Assert.Contains(report.Checks, c => c.Name == "answers");
            Assert.Equal(0, report.UnexpectedAnswers);

            // The run closed the poll it opened, and says so.
            Assert.True(report.PollClosed);
            Assert.Equal("closed", (await Api.PollAsync(server.Client(), report.PollId!)).Status);
            Assert.Contains($"poll {report.PollId} closed at the end", await File.ReadAllTextAsync(Path.ChangeExtension(outPath, ".md")), StringComparison.Ordinal);
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
    public async Task Loadgen_KeepOpenWithTheKeyFromTheEnvironment_LeavesThePollOpen()
    {
        await using var server = new LiveVoteServer(LoadgenServerSettings.HighLimits());
        var output = TempDirectory.Create("loadgen-test");
        try
        {
            var outPath = Path.Combine(output, "keep.json");
            var result = await CliRunner.RunWithEnvironmentAsync(new Dictionary<string, string> { ["LIVEVOTE_ADMIN_KEY"] = LiveVoteServer.AdminKey },
                "loadgen", "--url", Url(server), "--duration", "1", "--connections", "2", "--viewers", "50", "--keep-open", "--out", outPath);

            Assert.True(result.ExitCode == ExitCodes.Ok, result.Output + result.Error);
            var report = ReadReport(outPath);
            Assert.False(report.PollClosed);
            Assert.Equal("open", (await Api.PollAsync(server.Client(), report.PollId!)).Status);
        }
        finally
        {
            TempDirectory.Delete(output);
        }
    }

    [Fact]
    public async Task Loadgen_ClosedPort_ExitsThreeCouldNotReach()
    {
        var result = await CliRunner.RunAsync("loadgen", "--url", $"http://127.0.0.1:{ClosedPort()}", "--admin-key", "k", "--duration", "1", "--viewers", "10");

        Assert.Equal(ExitCodes.Unreachable, result.ExitCode);
        Assert.StartsWith("Could not reach: http://127.0.0.1:", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Loadgen_NoAdminKeyAnywhere_IsAUsageError()
    {
        var result = await CliRunner.RunAsync("loadgen", "--url", "http://127.0.0.1:1");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("The admin key is required", result.Error, StringComparison.Ordinal);
    }

    /// <summary>A loopback port nothing listens on: bound by us a moment ago, then released.</summary>
    internal static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
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
