using System.Text.Json;
using System.Text.RegularExpressions;
using LiveVote.Server.Telemetry;
using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Server.Tests.Telemetry;

/// <summary>
/// <c>Logging:Console:FormatterName</c> decides the shape of the server's stdout (it used to be forced to JSON), and
/// without it the shape follows who reads it: JSON for a machine (production, stdout redirected), simple lines in
/// Development.
/// </summary>
public sealed partial class ConsoleLogsTests : IDisposable
{
    private readonly string _folder = TempDirectory.Create("livevote-console-logs");

    public void Dispose() => TempDirectory.Delete(_folder);

    [Theory]
    [InlineData(false, false, "json")]
    [InlineData(false, true, "simple")]
    [InlineData(true, false, "simple")]
    [InlineData(true, true, "simple")]
    public void Default_IsSimpleForAPersonAndJsonForAMachine(bool development, bool terminal, string expected)
    {
        Assert.Equal(expected, ConsoleLogs.DefaultFormatter(development, terminal));
    }

    [Fact]
    public async Task Json_EveryLineIsAJsonObject()
    {
        var lines = await LinesAsync("json");

        Assert.All(lines, line => Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(line).RootElement.ValueKind));
        Assert.Contains(lines, line => JsonDocument.Parse(line).RootElement.GetProperty("Category").GetString() == "LiveVote.Server.Ingest.BatchWriter");
    }

    [Fact]
    public async Task Simple_OneReadableLinePerEntry()
    {
        var lines = await LinesAsync("simple");

        Assert.All(lines, line => Assert.Matches(SimpleLine(), line));
        Assert.Contains(lines, line => line.Contains("info: LiveVote.Server.Ingest.BatchWriter[", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Systemd_LinesCarryTheSyslogPriority()
    {
        var lines = await LinesAsync("systemd");

        Assert.All(lines, line => Assert.Matches(SystemdLine(), line));
        Assert.Contains(lines, line => line.StartsWith("<6>LiveVote.Server.Ingest.BatchWriter[", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Unset_InProductionWithStdoutRedirected_IsJson()
    {
        var lines = await LinesAsync("", ("ASPNETCORE_ENVIRONMENT", "Production"));

        Assert.All(lines, line => Assert.StartsWith("{", line, StringComparison.Ordinal));
        Assert.All(lines, line => JsonDocument.Parse(line));
    }

    [Fact]
    public async Task Unset_InDevelopment_IsSimple()
    {
        var lines = await LinesAsync("", ("ASPNETCORE_ENVIRONMENT", "Development"));

        Assert.All(lines, line => Assert.Matches(SimpleLine(), line));
        Assert.Contains(lines, line => line.Contains("Hosting environment: Development", StringComparison.Ordinal));
    }

    /// <summary>Starts the server with the formatter ("" = not configured), waits until it is ready, stops it, and returns its non-empty lines.</summary>
    private async Task<List<string>> LinesAsync(string formatter, params (string Key, string Value)[] more)
    {
        var environment = new Dictionary<string, string> { ["Logging__Console__FormatterName"] = formatter };
        foreach (var (key, value) in more)
        {
            environment[key] = value;
        }

        await using var server = await ServerProcess.StartAsync(Path.Combine(_folder, Guid.NewGuid().ToString("N") + ".db"), environment);
        var output = server.Output;
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        Assert.True(lines.Count >= 3, output);
        return lines;
    }

    /// <summary>The simple formatter with SingleLine: "HH:mm:ss.fff level: Category[event id] message".</summary>
    [GeneratedRegex(@"^\d\d:\d\d:\d\d\.\d\d\d (trce|dbug|info|warn|fail|crit): [\w.]+\[-?\d+\] ")]
    private static partial Regex SimpleLine();

    /// <summary>The systemd formatter: "&lt;priority&gt;Category[event id] message", no timestamp (journald adds it).</summary>
    [GeneratedRegex(@"^<[0-7]>[\w.]+\[-?\d+\] ")]
    private static partial Regex SystemdLine();
}
