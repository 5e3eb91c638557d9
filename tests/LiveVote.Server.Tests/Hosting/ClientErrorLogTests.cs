using System.Net;
using System.Net.Http.Headers;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LiveVote.Server.Tests.Hosting;

/// <summary>
/// Client errors anyone can send at will (an unreadable or oversized body, a range no file has) are answered 4xx and
/// write no log line: otherwise unauthenticated input could grow the log without bound, a stack trace at a time.
/// </summary>
public sealed class ClientErrorLogTests
{
    [Fact]
    public async Task UnreadableAndOversizedBodies_AndUnsatisfiableRanges_AreAnsweredWithoutALogLine()
    {
        var logs = new CapturedLogs();
        await using var server = new LiveVoteServer(new() { ["Logging:LogLevel:Default"] = "Information" },
            services => services.AddSingleton<ILoggerProvider>(logs));
        using var admin = server.AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin);
        var viewer = await Api.RegisterAsync(admin);
        var before = logs.Lines.Count;
        using var client = server.Client();

        for (var i = 0; i < 20; i++)
        {
            await ProblemAssert.IsAsync(await Api.SendRawAsync(client, HttpMethod.Post, "/v1/viewers", "{\"displayName\":"), HttpStatusCode.BadRequest, "invalid-request");
            await ProblemAssert.IsClientErrorAsync(await Api.SendRawAsync(client, HttpMethod.Post, $"/v1/polls/{poll.Id}/votes", new string('x', 5000), token: viewer.Token));
            await ProblemAssert.IsClientErrorAsync(await Api.SendRawAsync(client, HttpMethod.Get, "/v1/polls/x/audit?limit=99999999999999999999", null));
            using var range = new HttpRequestMessage(HttpMethod.Get, "/js/api.js");
            range.Headers.Range = new RangeHeaderValue(1_000_000, 2_000_000);
            Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, (await client.SendAsync(range)).StatusCode);
        }

        var written = logs.Lines.Skip(before).Where(l => l.Level >= LogLevel.Information).ToList();
        Assert.True(written.Count == 0, string.Join('\n', written.Take(5).Select(l => $"{l.Level} {l.Category}: {l.Message} {l.Exception}")));
    }
}
