using System.Diagnostics;
using System.Net;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LiveVote.Server.Tests.Security.Admin;

/// <summary>
/// Anyone can send wrong admin keys, from as many networks as they hold: what that adds to the public audit trail and
/// to the log is bounded (AdminLockoutNotesPerHour lockout entries in any hour, AdminRefusalLogLinesPerMinute log
/// lines in any minute), while every lockout and every wrong key is still counted and the producer's own actions are
/// all logged.
/// </summary>
public sealed class AdminNoiseBoundTests
{
    private const int Networks = 24;

    [Fact]
    public async Task WrongKeyStormsFromManyNetworks_AddAtMostTheHourlyCapOfLockoutEntries()
    {
        using var lockouts = new MetricRecorder("livevote.admin.lockouts");
        using var suppressed = new MetricRecorder("livevote.admin.lockout.notes.suppressed");
        await using var server = new LiveVoteServer(new()
        {
            ["LiveVote:RateLimits:AdminFailuresBeforeLockout"] = "3",
            ["LiveVote:RateLimits:AdminLockoutNotesPerHour"] = "4",
        });

        // Every network storms: ten wrong keys each, all at once.
        var answers = await Task.WhenAll(Enumerable.Range(0, Networks).Select(async network =>
        {
            using var client = LoopbackClients.From(server, LoopbackClients.Address(70 + network, 1));
            client.DefaultRequestHeaders.Add("X-Admin-Key", $"guess-{network}-0123456789");
            var statuses = new List<HttpStatusCode>();
            for (var i = 0; i < 10; i++)
            {
                statuses.Add((await client.PostAsync("/v1/polls/nope/open", null)).StatusCode);
            }

            return statuses;
        }));
        Assert.All(answers, statuses => Assert.Contains(HttpStatusCode.TooManyRequests, statuses));

        // The writer takes the queue in order: once this poll is committed, every lockout entry before it is too.
        using var admin = server.AdminClient();
        await Api.CreatePollAsync(admin);

        var rows = StoreFile.ReadAudit(server.DatabasePath);
        var entries = rows.Where(r => r.Kind == "admin-lockout").ToList();
        Assert.Equal(4, entries.Count);
        Assert.Equal(4, entries.Select(e => e.Data).Distinct().Count());
        IndependentAudit.AssertChainVerifies(rows);
        Assert.True(lockouts.Sum() >= Networks);
        Assert.True(suppressed.Sum() >= Networks - 4);
    }

    [Fact]
    public async Task WrongKeyStorm_WritesAtMostTheCappedLogLines_WhileEveryProducerActionIsLogged()
    {
        using var suppressed = new MetricRecorder("livevote.admin.log.suppressed");
        var logs = new CapturedLogs();
        await using var server = new LiveVoteServer(new()
        {
            ["Logging:LogLevel:Default"] = "Information",
            ["LiveVote:RateLimits:AdminFailuresBeforeLockout"] = "1000",
            ["LiveVote:RateLimits:AdminRefusalLogLinesPerMinute"] = "3",
        }, services => services.AddSingleton<ILoggerProvider>(logs));
        var clock = Stopwatch.StartNew();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(async network =>
        {
            using var client = LoopbackClients.From(server, LoopbackClients.Address(100 + network, 1));
            client.DefaultRequestHeaders.Add("X-Admin-Key", "guess-0123456789-guess");
            for (var i = 0; i < 10; i++)
            {
                await ProblemAssert.IsAsync(await client.PostAsync("/v1/polls/nope/close", null), HttpStatusCode.Unauthorized, ErrorCodes.AdminKeyRequired);
            }
        }));
        var minutes = (int)Math.Ceiling(clock.Elapsed.TotalMinutes);

        // The producer's actions after the storm: the cap is used up, and they are logged all the same.
        using var admin = server.AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin, "a", "b");
        (await Api.ClosePollAsync(admin, poll.Id)).EnsureSuccessStatusCode();

        var lines = await UntilAsync(() => logs.Lines.Where(l => l.Category == "LiveVote.Server.Admin").ToList(), l => l.Count(x => x.Message.Contains(poll.Id, StringComparison.Ordinal)) >= 2);
        var refused = lines.Count(l => l.Message.Contains("/v1/polls/nope/close", StringComparison.Ordinal));
        Assert.InRange(refused, 1, 3 * minutes);
        Assert.Single(lines, l => l.Message.Contains("POST /v1/polls answered 201", StringComparison.Ordinal));
        Assert.Single(lines, l => l.Message.Contains($"/v1/polls/{poll.Id}/open answered 200", StringComparison.Ordinal));
        Assert.Single(lines, l => l.Message.Contains($"/v1/polls/{poll.Id}/close answered 200", StringComparison.Ordinal));
        Assert.True(suppressed.Sum() >= 80 - 3 * minutes);
    }

    /// <summary>Log lines are written after the answer is sent: wait (generously) until they are all there.</summary>
    private static async Task<T> UntilAsync<T>(Func<T> read, Func<T, bool> done)
    {
        var deadline = Environment.TickCount64 + 30_000;
        while (true)
        {
            var value = read();
            if (done(value) || Environment.TickCount64 > deadline)
            {
                return value;
            }

            await Task.Delay(50);
        }
    }
}
