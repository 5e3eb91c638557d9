using System.Net;
using System.Text.Json;
using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Server.Tests.Telemetry;

/// <summary>The server's stdout, as a log shipper reads it: one JSON object per line, trace ids, no per-vote lines, no personal data.</summary>
public sealed class JsonLogsTests
{
    [Fact]
    public async Task Logs_AreJsonLinesWithTraceIds_OnePerAdminAction_NonePerVote_NoViewerIds()
    {
        var folder = TempDirectory.Create("livevote-logs");
        try
        {
            await using var server = await ServerProcess.StartAsync(Path.Combine(folder, "livevote.db"), new Dictionary<string, string>
            {
                ["Logging__Console__FormatterName"] = "json",
                ["Logging__LogLevel__Default"] = "Information",
            });
            using var admin = server.Client(admin: true);
            var poll = await Api.CreateOpenPollAsync(admin);
            var viewers = await Api.RegisterManyAsync(admin, 5);
            using var client = server.Client();
            foreach (var viewer in viewers)
            {
                Assert.Equal(HttpStatusCode.Created, (await Api.VoteAsync(client, poll.Id, viewer.Token, "b")).StatusCode);
            }

            // Poll created and opened: two admin actions, logged once the console logger has flushed them.
            List<JsonElement> adminLines = [];
            Assert.True(await PrometheusServer.EventuallyAsync(() =>
            {
                adminLines = [.. JsonLines(server.Output).Where(l => l.GetProperty("Category").GetString() == "LiveVote.Server.Admin")];
                return Task.FromResult(adminLines.Count >= 2);
            }, 15_000), server.Output);

            var output = server.Output;
            var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.All(lines, line => Assert.StartsWith("{", line, StringComparison.Ordinal));
            Assert.Equal(2, adminLines.Count);
            Assert.Contains(adminLines, l => l.GetProperty("State").GetProperty("Path").GetString() == "/v1/polls");
            Assert.Contains(adminLines, l => l.GetProperty("State").GetProperty("Path").GetString() == $"/v1/polls/{poll.Id}/open");
            foreach (var line in adminLines)
            {
                var ids = line.GetProperty("Scopes").EnumerateArray().Single(s => s.TryGetProperty("TraceId", out _));
                Assert.Matches("^[0-9a-f]{32}$", ids.GetProperty("TraceId").GetString());
                Assert.Matches("^[0-9a-f]{16}$", ids.GetProperty("SpanId").GetString());
                Assert.Equal("127.0.0.0/24", line.GetProperty("State").GetProperty("ClientNetwork").GetString());
                Assert.Equal("admin-key", line.GetProperty("State").GetProperty("Operator").GetString());
            }

            Assert.DoesNotContain("/votes", output, StringComparison.Ordinal);
            Assert.DoesNotContain("/v1/viewers", output, StringComparison.Ordinal);
            Assert.All(viewers, v => Assert.DoesNotContain(v.ViewerId, output, StringComparison.Ordinal));
        }
        finally
        {
            TempDirectory.Delete(folder);
        }
    }

    private static IEnumerable<JsonElement> JsonLines(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => l.StartsWith('{'))
            .Select(l => JsonDocument.Parse(l).RootElement.Clone());
}
