using System.Net;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace LiveVote.Server.Tests.Telemetry;

public sealed class TelemetrySetupTests
{
    [Fact]
    public async Task OtlpEndpointUnreachable_TracingIsOn_AndVotesStillSucceed()
    {
        // Nothing listens on port 9 of loopback: every export fails, and that must never reach a viewer.
        await using var server = new LiveVoteServer(new Dictionary<string, string?>
        {
            ["LiveVote:Telemetry:OtlpEndpoint"] = "http://127.0.0.1:9",
            ["LiveVote:Telemetry:SamplingRatio"] = "1",
        });
        Assert.NotNull(server.Services.GetService<TracerProvider>());

        var admin = server.AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin);
        var viewers = await Api.RegisterManyAsync(admin, 3);
        foreach (var viewer in viewers)
        {
            Assert.Equal(HttpStatusCode.Created, (await Api.VoteAsync(server.Client(), poll.Id, viewer.Token, "c")).StatusCode);
        }

        Assert.Equal(3, (await Api.ResultsWhenAsync(server.Client(), poll.Id, r => r.Total == 3)).Total);
    }

    [Fact]
    public async Task NoOtlpEndpoint_TracingIsOffByDefault_MetricsAreServed()
    {
        await using var server = new LiveVoteServer();

        Assert.Null(server.Services.GetService<TracerProvider>());
        using var metrics = await server.Client().GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.Contains("livevote_queue_capacity", await metrics.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public void SamplingRatioOutOfRange_StopsTheServerAtStart()
    {
        var start = Record.Exception(() => new LiveVoteServer(new Dictionary<string, string?> { ["LiveVote:Telemetry:SamplingRatio"] = "1.5" }));

        Assert.NotNull(start);
        Assert.Contains("SamplingRatio", start.ToString(), StringComparison.Ordinal);
    }
}
