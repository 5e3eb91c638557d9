using System.Collections.Concurrent;
using System.Text;
using LiveVote.Server.Hosting;
using LiveVote.Server.Telemetry;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Logs;

namespace LiveVote.Server.Tests.Telemetry;

/// <summary>Logs go over OTLP too when an endpoint is configured (our option or OpenTelemetry's standard variable), and only then.</summary>
public sealed class OtlpLogsTests
{
    [Fact]
    public async Task NoEndpoint_NoOpenTelemetryLogger()
    {
        await using var server = new LiveVoteServer();

        Assert.DoesNotContain(server.Services.GetServices<ILoggerProvider>(), p => p is OpenTelemetryLoggerProvider);
    }

    [Fact]
    public async Task OtlpEndpointOption_RegistersTheOpenTelemetryLogger()
    {
        await using var server = new LiveVoteServer(new Dictionary<string, string?> { ["LiveVote:Telemetry:OtlpEndpoint"] = "http://127.0.0.1:9" });

        Assert.Contains(server.Services.GetServices<ILoggerProvider>(), p => p is OpenTelemetryLoggerProvider);
    }

    [Fact]
    public void StandardVariable_CountsAsTheEndpoint_AndABadOneNamesItself()
    {
        Assert.Equal(new Uri("http://collector:4317"), TelemetrySetup.StandardOtlpEndpoint(Configuration("http://collector:4317")));
        Assert.Null(TelemetrySetup.StandardOtlpEndpoint(Configuration(null)));
        var bad = Assert.Throws<BadConfigurationException>(() => TelemetrySetup.StandardOtlpEndpoint(Configuration("collector")));
        Assert.Equal("OTEL_EXPORTER_OTLP_ENDPOINT", bad.Key);
    }

    /// <summary>
    /// The real server process with only <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> set, exporting OTLP/HTTP to a receiver of
    /// ours: a log record of the server (the writer's "Store opened" line) arrives there.
    /// </summary>
    [Fact]
    public async Task StandardVariable_ServerProcessExportsItsLogLines()
    {
        var bodies = new ConcurrentQueue<byte[]>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var receiver = builder.Build();
        receiver.MapPost("/{**path}", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            bodies.Enqueue(body.ToArray());
            return Microsoft.AspNetCore.Http.Results.Ok();
        });
        await receiver.StartAsync();
        var address = receiver.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();

        var folder = TempDirectory.Create("livevote-otlp-logs");
        try
        {
            await using var server = await ServerProcess.StartAsync(Path.Combine(folder, "livevote.db"), new Dictionary<string, string>
            {
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = address,
                ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            });

            // Log records are exported in batches, every second by default.
            Assert.True(await PrometheusServer.EventuallyAsync(
                () => Task.FromResult(bodies.Any(body => Encoding.UTF8.GetString(body).Contains("Store opened", StringComparison.Ordinal))), 20_000),
                $"{bodies.Count} OTLP requests, none with the log line; server output:\n{server.Output}");
        }
        finally
        {
            TempDirectory.Delete(folder);
        }
    }

    private static IConfiguration Configuration(string? endpoint) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint }).Build();
}
