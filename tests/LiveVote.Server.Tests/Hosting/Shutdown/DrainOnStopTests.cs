using System.Net;
using System.Net.Http.Json;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;
using LiveVote.Server.Tests.Telemetry;

namespace LiveVote.Server.Tests.Hosting.Shutdown;

/// <summary>
/// Draining (contract 1 of issue 16) with the real process: on SIGTERM readiness answers 503 "draining" at once, the
/// node still serves votes for <c>LiveVote:Shutdown:DrainDelay</c>, then it stops cleanly (exit code 0) with every
/// acknowledged vote stored.
/// </summary>
public sealed class DrainOnStopTests : IDisposable
{
    private readonly string _folder = TempDirectory.Create("livevote-drain");

    public void Dispose() => TempDirectory.Delete(_folder);

    [Fact]
    public async Task Sigterm_ReadinessDrains_VotesStillServed_ThenExits0()
    {
        var database = Path.Combine(_folder, "livevote.db");
        var environment = new Dictionary<string, string> { ["LiveVote__Shutdown__DrainDelay"] = "00:00:03" };
        string pollId;
        var accepted = new List<string>();
        await using (var server = await ServerProcess.StartAsync(database, environment))
        {
            using var admin = server.Client(admin: true);
            using var client = server.Client();
            var poll = await Api.CreateOpenPollAsync(admin);
            pollId = poll.Id;
            var viewers = await Api.RegisterManyAsync(admin, 2);
            Assert.Equal(HttpStatusCode.Created, (await Api.VoteAsync(client, poll.Id, viewers[0].Token, "a")).StatusCode);
            accepted.Add(viewers[0].ViewerId);

            server.Terminate();

            // Readiness goes 503 "draining" at once (the first answer after the signal is handled).
            HealthDto? health = null;
            Assert.True(await PrometheusServer.EventuallyAsync(async () =>
            {
                using var ready = await client.GetAsync("/readyz");
                health = await ready.Content.ReadFromJsonAsync(ContractsJsonContext.Default.HealthDto);
                return ready.StatusCode == HttpStatusCode.ServiceUnavailable;
            }, 3_000), server.Output);
            Assert.Equal("draining", health!.Status);

            // ... while a vote still goes through during the delay.
            using var vote = await Api.VoteAsync(client, poll.Id, viewers[1].Token, "b");
            Assert.Equal(HttpStatusCode.Created, vote.StatusCode);
            accepted.Add(viewers[1].ViewerId);
            Assert.False(server.HasExited);

            await server.WaitForExitAsync();
            Assert.True(server.ExitCode == 0, server.Output);
            Assert.Contains("Draining: readiness answers 503", server.Output, StringComparison.Ordinal);
        }

        // Both acknowledged votes are stored: the restarted node counts them.
        await using var restarted = await ServerProcess.StartAsync(database);
        var results = await Api.ResultsWhenAsync(restarted.Client(), pollId, r => r.Total >= accepted.Count);
        Assert.Equal(2, results.Total);
    }
}
