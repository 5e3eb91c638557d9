using System.Text.Json;
using LiveVote.Cli.Tests.Infrastructure;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace LiveVote.Cli.Tests.Audit.Logs;

/// <summary>
/// <c>audit heads</c> against a stand-in server answering the contract's shapes (two partitions, pages of two heads, a
/// signed result): every head of every partition and the statement are collected, and an existing file is merged into.
/// </summary>
public sealed class AuditHeadsCommandTests : IAsyncLifetime
{
    private static readonly string[][] HeadsByPartition = [["h0a\n", "h0b\n", "h0c\n"], ["h1a\n"]];
    private WebApplication? _server;

    private string Url => _server!.Urls.First();

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _server = builder.Build();
        _server.MapGet("/v1/polls/{poll}/audit/heads", (string poll, int partition, long? after, int limit) =>
        {
            if (poll != "p1")
            {
                return Results.Problem(statusCode: 404, detail: "no such poll");
            }

            var all = HeadsByPartition[partition];
            var start = (int)(after ?? -1) + 1;
            var page = all.Skip(start).Take(Math.Min(limit, 2)).Select((n, i) => new { id = start + i, log = $"{partition}.0", checkpoint = n }).ToList();
            long? next = start + page.Count < all.Length ? start + page.Count - 1 : null;
            return Results.Json(new { heads = page, next, partition, partitionCount = HeadsByPartition.Length });
        });
        _server.MapGet("/v1/polls/{poll}/result", (string poll) => Results.Json(new { pollId = poll, final = true, statement = "result\n" }));
        await _server.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [Fact]
    public async Task Heads_CollectsEveryPartitionsHeadsAndTheResult_MergingIntoTheFile()
    {
        var file = Path.Combine(Path.GetTempPath(), $"livevote-heads-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(new[] { "kept-from-before\n", "h0a\n" }));

        var result = await CliRunner.RunAsync("audit", "heads", "--server", Url, "--poll", "p1", "--out", file);

        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        Assert.Equal(["kept-from-before\n", "h0a\n", "h0b\n", "h0c\n", "h1a\n", "result\n"], JsonSerializer.Deserialize<string[]>(await File.ReadAllTextAsync(file))!);
        Assert.Contains("Poll p1: 4 signed head(s) from 2 partition(s), the signed result; 4 new note(s), 6 in ", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Heads_UnknownPoll_ExitsOneWithTheServersReason()
    {
        var result = await CliRunner.RunAsync("audit", "heads", "--server", Url, "--poll", "nope");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("404 no such poll", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Heads_NoServer_ExitsThree()
    {
        var result = await CliRunner.RunAsync("audit", "heads", "--server", $"http://127.0.0.1:{FreePorts.Tcp()}", "--poll", "p1");

        Assert.Equal(3, result.ExitCode);
    }
}
