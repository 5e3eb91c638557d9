using System.Text.Json;
using LiveVote.Cli.CommandLine;
using LiveVote.Cli.Loadgen.Registration;
using LiveVote.Cli.Tests.Infrastructure;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace LiveVote.Cli.Tests.Loadgen.Registration;

/// <summary><c>loadgen registration</c> run in process against the real server (real Kestrel, real SQLite).</summary>
public sealed class RegistrationCommandTests
{
    [Fact]
    public async Task PublicBurst_SolvesItsChallenges_RegistersEachViewerOnce_AndSeesReplaysRefused()
    {
        // A small difficulty so the solving is instant; the server verifies with one hash whatever it is.
        await using var server = new LiveVoteServer(new Dictionary<string, string?> { ["LiveVote:Captcha:MaxNumber"] = "50" });
        var output = TempDirectory.Create("registration-test");
        try
        {
            var json = Path.Combine(output, "public.json");
            var result = await CliRunner.RunAsync("loadgen", "registration", "--url", Url(server), "--kind", "public",
                "--count", "150", "--warmup", "20", "--connections", "4", "--json", json);

            Assert.True(result.ExitCode == ExitCodes.Ok, result.Output + result.Error);
            var report = Read(json);
            Assert.Equal(new[] { "challenge", "public" }, report.Phases.Select(p => p.Phase));
            Assert.All(report.Phases, p => Assert.Equal((150, 0), (p.Count, p.Unexpected)));
            Assert.Contains(report.Checks, c => c is { Name: "replays refused", Passed: true });
            Assert.Contains(report.Checks, c => c is { Name: "distinct viewers", Passed: true });
            Assert.Equal(170L, UsedChallenges(server));
        }
        finally
        {
            TempDirectory.Delete(output);
        }
    }

    [Fact]
    public async Task BackendBurst_WithTheAdminKey_RegistersEveryViewer()
    {
        await using var server = new LiveVoteServer();
        var output = TempDirectory.Create("registration-test");
        try
        {
            var json = Path.Combine(output, "backend.json");
            var result = await CliRunner.RunAsync("loadgen", "registration", "--url", Url(server), "--admin-key", LiveVoteServer.AdminKey,
                "--count", "200", "--warmup", "10", "--connections", "4", "--json", json);

            Assert.True(result.ExitCode == ExitCodes.Ok, result.Output + result.Error);
            var phase = Assert.Single(Read(json).Phases);
            Assert.Equal(("backend", 200, 0), (phase.Phase, phase.Count, phase.Unexpected));
        }
        finally
        {
            TempDirectory.Delete(output);
        }
    }

    [Fact]
    public async Task BackendBurst_WithAWrongAdminKey_FailsItsAnswersCheck()
    {
        await using var server = new LiveVoteServer();

        var result = await CliRunner.RunAsync("loadgen", "registration", "--url", Url(server), "--admin-key", "not-the-admin-key-at-all",
            "--count", "5", "--warmup", "0", "--connections", "1");

        Assert.Equal(ExitCodes.Failed, result.ExitCode);
        Assert.Contains("FAIL backend registration answers: 5 x 401", result.Output, StringComparison.Ordinal);
    }

    /// <summary>Rows of used_challenges: one per registration that counted (warm-up and timed), none for the refused replays.</summary>
    private static long UsedChallenges(LiveVoteServer server)
    {
        using var connection = new SqliteConnection($"Data Source={server.DatabasePath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var count = connection.CreateCommand();
        count.CommandText = "SELECT count(*) FROM used_challenges";
        return (long)count.ExecuteScalar()!;
    }

    private static string Url(LiveVoteServer server) => server.Client().BaseAddress!.ToString();

    private static RegistrationReport Read(string path) =>
        JsonSerializer.Deserialize(File.ReadAllText(path), RegistrationJsonContext.Default.RegistrationReport)!;
}
