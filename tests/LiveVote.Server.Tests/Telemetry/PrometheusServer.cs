using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Server.Tests.Telemetry;

/// <summary>
/// A real Prometheus (Debian's <c>prometheus</c> package) on a free loopback port, scraping one target every second,
/// with its data in a temp folder. Killed and removed on dispose.
/// </summary>
public sealed class PrometheusServer : IDisposable
{
    public const string Binary = "/usr/bin/prometheus";
    private readonly Process _process;
    private readonly string _directory;
    private readonly HttpClient _http;

    public PrometheusServer(Uri target)
    {
        Assert.True(File.Exists(Binary), $"{Binary} is missing: install Debian's prometheus package (test.sh does).");
        _directory = TempDirectory.Create("livevote-prometheus");
        var config = Path.Combine(_directory, "prometheus.yml");
        File.WriteAllText(config, $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 900ms
              evaluation_interval: 1s
            scrape_configs:
              - job_name: livevote
                metrics_path: /metrics
                static_configs:
                  - targets: ['{target.Authority}']
            """);
        var port = FreePorts.Tcp();
        Address = new Uri($"http://127.0.0.1:{port}/");
        var start = new ProcessStartInfo(Binary)
        {
            ArgumentList =
            {
                $"--config.file={config}",
                $"--storage.tsdb.path={Path.Combine(_directory, "data")}",
                $"--web.listen-address=127.0.0.1:{port}",
                "--log.level=warn",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("prometheus did not start");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        _http = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(10) };
    }

    public Uri Address { get; }

    /// <summary>Waits until Prometheus is ready and has scraped the target successfully.</summary>
    public async Task WaitUntilTargetUpAsync(int timeoutMs = 60_000) =>
        Assert.True(await EventuallyAsync(async () => await QueryScalarAsync("""up{job="livevote"}""") == 1, timeoutMs),
            "Prometheus never scraped the LiveVote server successfully.");

    /// <summary>An instant PromQL query's single value (the sum of the vector), or null when it returns no series.</summary>
    public async Task<double?> QueryScalarAsync(string promql)
    {
        try
        {
            using var response = await _http.GetAsync($"api/v1/query?query={Uri.EscapeDataString(promql)}");
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return null;
            }

            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var result = json.RootElement.GetProperty("data").GetProperty("result");
            if (result.GetArrayLength() == 0)
            {
                return null;
            }

            return result.EnumerateArray().Sum(series => double.Parse(series.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture));
        }
        catch (HttpRequestException)
        {
            // Not listening yet.
            return null;
        }
    }

    public static async Task<bool> EventuallyAsync(Func<Task<bool>> condition, int timeoutMs)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        while (Environment.TickCount64 < deadline)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(250);
        }

        return await condition();
    }

    public void Dispose()
    {
        _http.Dispose();
        try
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }

        _process.Dispose();
        TempDirectory.Delete(_directory);
    }
}
