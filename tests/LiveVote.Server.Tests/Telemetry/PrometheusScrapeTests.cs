using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Server.Tests.Telemetry;

/// <summary>A real Prometheus scrapes the running server's /metrics; PromQL shows the vote counters moving.</summary>
public sealed class PrometheusScrapeTests
{
    private const string Accepted = """sum(livevote_votes_total{outcome="accepted"})""";
    private const string Commits = "sum(livevote_batch_commit_duration_seconds_count)";

    [Fact]
    public async Task VotesCast_MoveAcceptedCounterAndCommitHistogram_InRealPrometheus()
    {
        await using var server = new LiveVoteServer();
        var admin = server.AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin);

        // Registering and voting once first makes every series exist before the baseline is read.
        var warmup = await Api.RegisterAsync(admin);
        Assert.Equal(System.Net.HttpStatusCode.Created, (await Api.VoteAsync(server.Client(), poll.Id, warmup.Token, "a")).StatusCode);

        using var prometheus = new PrometheusServer(server.Client().BaseAddress!);
        await prometheus.WaitUntilTargetUpAsync();
        Assert.True(await PrometheusServer.EventuallyAsync(async () => await prometheus.QueryScalarAsync(Accepted) >= 1, 30_000),
            "The warm-up vote never showed in Prometheus.");
        var acceptedBefore = (await prometheus.QueryScalarAsync(Accepted))!.Value;
        var commitsBefore = (await prometheus.QueryScalarAsync(Commits))!.Value;

        const int votes = 12;
        var viewers = await Api.RegisterManyAsync(admin, votes);
        var client = server.Client();
        var answers = await Task.WhenAll(viewers.Select((v, i) => Api.VoteAsync(client, poll.Id, v.Token, i % 2 == 0 ? "a" : "b")));
        Assert.All(answers, a => Assert.Equal(System.Net.HttpStatusCode.Created, a.StatusCode));

        Assert.True(await PrometheusServer.EventuallyAsync(async () => await prometheus.QueryScalarAsync(Accepted) >= acceptedBefore + votes, 30_000),
            $"{Accepted} stayed below {acceptedBefore + votes}: {await prometheus.QueryScalarAsync(Accepted)}");
        Assert.True(await PrometheusServer.EventuallyAsync(async () => await prometheus.QueryScalarAsync(Commits) > commitsBefore, 30_000),
            $"{Commits} stayed at {commitsBefore}");

        // The rate PromQL the dashboard uses sees the votes as well.
        Assert.True(await PrometheusServer.EventuallyAsync(
            async () => await prometheus.QueryScalarAsync("""sum(increase(livevote_votes_total{outcome="accepted"}[1m]))""") > 0, 30_000));
    }
}
