using System.Net;
using LiveVote.Cli.Audit.Postgres;
using LiveVote.Cli.Tests.Infrastructure;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace LiveVote.Cli.Tests.Audit;

/// <summary>
/// Issue 13, item 8: <c>audit verify --postgres</c> passes an honest fleet however busy its closes are. Two real nodes
/// on one PostgreSQL vote on a poll as fast as they can while the producer closes it, six times over, and the verifier
/// runs after each close. One node's clock runs ahead (a test <see cref="TimeProvider"/>): a vote that node commits just
/// before the close must still carry a time no later than the close's, which only the database's clock under the
/// poll locks can give.
/// </summary>
public sealed class AuditVerifyPostgresBusyClosesTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Closes = 6;
    private const int Viewers = 600;
    private const int Workers = 24;
    private static readonly TimeSpan Skew = TimeSpan.FromMilliseconds(250);
    private PostgresServer? _postgres;
    private LiveVoteServer? _steady;
    private LiveVoteServer? _ahead;

    public async Task InitializeAsync()
    {
        _postgres = await PostgresServer.StartAsync();
        var settings = new Dictionary<string, string?>
        {
            ["LiveVote:Storage"] = "Postgres",
            ["LiveVote:Postgres:ConnectionString"] = _postgres.ConnectionString(),
            ["LiveVote:RateLimits:Enabled"] = "false",
            ["LiveVote:Risk:Enabled"] = "false",
        };
        _steady = new LiveVoteServer(settings);
        _ahead = new LiveVoteServer(settings, services => services.AddSingleton<TimeProvider>(new AheadTimeProvider(Skew)));
    }

    public async Task DisposeAsync()
    {
        foreach (var node in new[] { _steady, _ahead })
        {
            if (node is not null)
            {
                await node.DisposeAsync();
            }
        }

        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }
    }

    [Fact]
    public async Task Verify_AfterEachOfSixClosesUnderLoadFromTwoNodes_OneClockAhead_Passes()
    {
        var nodes = new[] { _steady!, _ahead! };
        var admin = _steady!.AdminClient();
        var clients = nodes.Select(n => n.Client()).ToArray();
        var viewers = await Api.RegisterManyAsync(admin, Viewers);
        var failed = new List<string>();
        for (var round = 1; round <= Closes; round++)
        {
            var poll = await Api.CreateOpenPollAsync(admin, "a", "b", "c");
            foreach (var node in nodes)
            {
                // Generous deadlines (the machine is shared): these wait for eventual states, they time nothing.
                Assert.Equal("open", (await Api.ResultsWhenAsync(node.Client(), poll.Id, r => r.Status == "open", timeoutMs: 60_000)).Status);
            }

            var accepted = new int[nodes.Length];
            var next = -1;
            var load = Enumerable.Range(0, Workers).Select(_ => Task.Run(async () =>
            {
                // Each worker votes with the next viewer on alternating nodes until the poll is closed (or the viewers run out).
                for (var v = Interlocked.Increment(ref next); v < viewers.Length; v = Interlocked.Increment(ref next))
                {
                    using var response = await Api.VoteWithRetryAsync(clients[v % 2], poll.Id, viewers[v].Token, "abc"[v % 3].ToString());
                    if (response.StatusCode == HttpStatusCode.Created)
                    {
                        Interlocked.Increment(ref accepted[v % 2]);
                    }
                    else
                    {
                        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
                        return;
                    }
                }
            })).ToArray();

            // Close while both nodes are committing votes.
            var busy = Environment.TickCount64 + 60_000;
            while ((Volatile.Read(ref accepted[0]) < 40 || Volatile.Read(ref accepted[1]) < 40) && Environment.TickCount64 < busy)
            {
                await Task.Delay(10);
            }

            (await Api.ClosePollAsync(admin, poll.Id)).EnsureSuccessStatusCode();
            await Task.WhenAll(load);

            var report = PostgresAuditVerifier.Verify(_postgres!.ConnectionString());
            output.WriteLine($"close {round}: {accepted[0]} votes accepted on the steady node, {accepted[1]} on the one {Skew.TotalMilliseconds:F0} ms ahead, " +
                $"{viewers.Length - Math.Min(next, viewers.Length)} viewers left unused; verify {(report.Ok ? "passed" : $"FAILED with {report.Problems.Count} problems, first: {report.Problems[0]}")}");
            if (!report.Ok)
            {
                failed.Add($"close {round}: {string.Join("; ", report.Problems.Take(3))}");
            }
        }

        Assert.Empty(failed);
        var result = await CliRunner.RunAsync("audit", "verify", "--postgres", _postgres!.ConnectionString());
        Assert.True(result.ExitCode == 0, result.Output + result.Error);
    }

    /// <summary>A node's clock running ahead of the others (and of the database's) by a fixed offset.</summary>
    private sealed class AheadTimeProvider(TimeSpan ahead) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + ahead;
    }
}
