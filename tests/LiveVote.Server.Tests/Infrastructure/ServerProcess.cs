using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace LiveVote.Server.Tests.Infrastructure;

/// <summary>
/// The real server as a child process (<c>dotnet LiveVote.Server.dll</c> from the test output), so a test can SIGKILL it
/// the way a crash or an OOM killer would, and start it again on the same data folder. Output is captured for failure
/// messages. Always bound to 127.0.0.1.
/// </summary>
public sealed partial class ServerProcess : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<Uri> _managementListening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string? _managementHost;

    private ServerProcess(Process process, string? managementHost)
    {
        _process = process;
        _managementHost = managementHost;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>Where the server listens, known once it logged its address (see <see cref="StartAsync"/>).</summary>
    public Uri BaseAddress => _listening.Task.IsCompletedSuccessfully ? _listening.Task.Result : throw new InvalidOperationException("The server is not listening yet.");

    /// <summary>
    /// Where the management listener listens, when <c>LiveVote__Management__Urls</c> names one (its first URL): the
    /// operator's endpoints, readiness included, answer only there.
    /// </summary>
    public Uri ManagementAddress => _managementListening.Task.IsCompletedSuccessfully
        ? _managementListening.Task.Result
        : throw new InvalidOperationException("The server has no management listener (yet).");

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The exit code, once <see cref="WaitForExitAsync"/> returned.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>What the server wrote to stdout and stderr so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static string ServerDll => Path.Combine(AppContext.BaseDirectory, "LiveVote.Server.dll");

    /// <summary>
    /// Starts the server on <paramref name="databasePath"/>, on a port the OS picks (port 0, so no other process can take
    /// it between a probe and the bind), and returns once <c>/readyz</c> answers 200.
    /// </summary>
    public static async Task<ServerProcess> StartAsync(string databasePath, IReadOnlyDictionary<string, string>? environment = null)
    {
        var server = Launch(databasePath, environment);
        try
        {
            await server.WaitReadyAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public HttpClient Client(bool admin = false)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (admin)
        {
            client.DefaultRequestHeaders.Add("X-Admin-Key", LiveVoteServer.AdminKey);
        }

        return client;
    }

    /// <summary>SIGTERM: what systemd, Kubernetes and the playbooks send to stop the server.</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>
    /// Runs the server until it exits by itself (a start that must fail), with stdout and stderr apart; killed after 60
    /// seconds. Same environment as <see cref="StartAsync"/>.
    /// </summary>
    public static async Task<ExitedServer> RunToExitAsync(string databasePath, IReadOnlyDictionary<string, string>? environment = null)
    {
        using var process = Process.Start(StartInfo(databasePath, environment)) ?? throw new InvalidOperationException("dotnet did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(ReadyTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Assert.Fail($"The server did not exit within {ReadyTimeout}:\n{await stdout}\n{await stderr}");
        }

        return new ExitedServer(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>SIGKILL (on Linux): no shutdown hook, no flush, no drain; exactly what a crash looks like to the store.</summary>
    public void Kill()
    {
        try
        {
            // The server itself first, at once: finding a process tree walks /proc, which on a busy machine takes long
            // enough for hundreds more votes to be answered. Then anything it may have started.
            _process.Kill();
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    public async Task WaitForExitAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Kill();
            await WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static ServerProcess Launch(string databasePath, IReadOnlyDictionary<string, string>? environment)
    {
        var start = StartInfo(databasePath, environment);
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var management = start.Environment.TryGetValue("LiveVote__Management__Urls", out var urls) && !string.IsNullOrEmpty(urls)
            ? new Uri(urls.Split(';')[0]).Host
            : null;
        return new ServerProcess(process, management);
    }

    private static ProcessStartInfo StartInfo(string databasePath, IReadOnlyDictionary<string, string>? environment)
    {
        Assert.True(File.Exists(ServerDll), $"{ServerDll} is missing: the test project copies the server beside itself.");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(databasePath)!,
        };
        start.ArgumentList.Add(ServerDll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add("http://127.0.0.1:0");
        start.Environment["LiveVote__Sqlite__Path"] = databasePath;
        start.Environment["LiveVote__DataDirectory"] = Path.GetDirectoryName(databasePath)!;
        start.Environment["LiveVote__AdminKey"] = LiveVoteServer.AdminKey;
        start.Environment["LiveVote__TokenSigningKey"] = LiveVoteServer.TokenSigningKey;
        start.Environment["LiveVote__VoterKeySecret"] = LiveVoteServer.VoterKeySecret;
        start.Environment["LiveVote__Audit__SigningKey"] = LiveVoteServer.AuditSigningKey;
        start.Environment["LiveVote__Demo__Enabled"] = "false";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__LogLevel__LiveVote"] = "Information";

        // Kestrel names the port it bound in this category's "Now listening on:" line.
        start.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        start.Environment["Logging__Console__FormatterName"] = "simple";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        return start;
    }

    private async Task WaitReadyAsync()
    {
        var deadline = Stopwatch.StartNew();
        Task listening = _managementHost is null ? _listening.Task : Task.WhenAll(_listening.Task, _managementListening.Task);
        if (await Task.WhenAny(listening, _process.WaitForExitAsync(), Task.Delay(ReadyTimeout)) != listening)
        {
            throw new InvalidOperationException(_process.HasExited
                ? $"The server exited with {_process.ExitCode} before it listened:\n{Output}"
                : $"The server did not listen within {ReadyTimeout}:\n{Output}");
        }

        // With a management listener, readiness answers only there.
        using var client = new HttpClient { BaseAddress = _managementHost is null ? BaseAddress : ManagementAddress, Timeout = TimeSpan.FromSeconds(5) };
        while (deadline.Elapsed < ReadyTimeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The server exited with {_process.ExitCode} before it was ready:\n{Output}");
            }

            try
            {
                using var response = await client.GetAsync("/readyz");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Listening, but not answering yet.
            }
            catch (TaskCanceledException)
            {
                // Answering slowly while it starts.
            }

            await Task.Delay(100);
        }

        throw new InvalidOperationException($"The server was not ready within {ReadyTimeout}:\n{Output}");
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        if (ListeningOn().Match(line) is { Success: true } match)
        {
            _listening.TrySetResult(new Uri(match.Groups[1].Value));
        }

        if (_managementHost is not null && AnyListeningOn().Match(line) is { Success: true } any && new Uri(any.Groups[1].Value).Host == _managementHost)
        {
            _managementListening.TrySetResult(new Uri(any.Groups[1].Value));
        }
    }

    [GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:[0-9]+)")]
    private static partial Regex ListeningOn();

    [GeneratedRegex(@"Now listening on: (https?://[^\s""]+)")]
    private static partial Regex AnyListeningOn();
}

/// <summary>A server run that ended by itself: its exit code and what it wrote where.</summary>
public sealed record ExitedServer(int ExitCode, string Stdout, string Stderr);
