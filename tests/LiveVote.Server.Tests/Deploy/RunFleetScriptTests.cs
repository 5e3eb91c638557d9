using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;
using LiveVote.Server.Tests.Storage.Postgres;

namespace LiveVote.Server.Tests.Deploy;

/// <summary>
/// <c>deploy/local/run-fleet.sh</c>, the one command for a local fleet, run as an operator runs it: it boots etcd,
/// three Patroni members and HAProxy from <c>deploy/patroni</c>, and a node that takes votes through HAProxy on a
/// primary with a synchronous standby; on SIGTERM it stops every process it started and removes its folder.
/// In the Patroni collection: two Patroni clusters at once would starve each other on two cores.
/// </summary>
[Collection(PatroniClusters.Name)]
public sealed partial class RunFleetScriptTests
{
    private static readonly TimeSpan BootDeadline = TimeSpan.FromMinutes(4);
    private static readonly TimeSpan StopDeadline = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task RunFleet_TakesVotesThroughHaproxyOnASynchronousPrimary_AndLeavesNothingBehindOnStop()
    {
        var haPortBase = FreePortRange(43);
        var nodePort = FreePortRange(1);
        var output = new StringBuilder();
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var script = new Process
        {
            StartInfo = new ProcessStartInfo("bash", [Path.Combine(DeployTemplate.RepositoryRoot, "deploy", "local", "run-fleet.sh"), "1"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                Environment =
                {
                    ["SERVER_DLL"] = ServerProcess.ServerDll,
                    ["HA_PORT_BASE"] = haPortBase.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["NODE_PORT_BASE"] = nodePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["RUN_SECONDS"] = "900",
                    ["LiveVote__RateLimits__Enabled"] = "false",
                },
            },
        };
        void Append(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(line);
                if (line.StartsWith("Ctrl+C stops everything", StringComparison.Ordinal))
                {
                    up.TrySetResult();
                }
            }
        }

        script.OutputDataReceived += (_, e) => Append(e.Data);
        script.ErrorDataReceived += (_, e) => Append(e.Data);
        script.Start();
        script.BeginOutputReadLine();
        script.BeginErrorReadLine();
        string folder;
        try
        {
            var exited = script.WaitForExitAsync();
            var first = await Task.WhenAny(up.Task, exited, Task.Delay(BootDeadline));
            Assert.True(first == up.Task, $"the fleet did not come up:\n{Output(output)}");
            var text = Output(output);
            folder = FolderLine().Match(text).Groups[1].Value;
            var adminKey = AdminKeyLine().Match(text).Groups[1].Value;
            Assert.True(Directory.Exists(folder), text);

            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{nodePort}") };
            using var admin = new HttpClient { BaseAddress = client.BaseAddress };
            admin.DefaultRequestHeaders.Add("X-Admin-Key", adminKey);

            // The node reads a writable primary with a synchronous standby through HAProxy (its readiness says which).
            var ready = await ReadyWhenAsync(client, h => h.Store?.Status == "primary");
            Assert.Equal("ready", ready.Status);
            Assert.NotNull(ready.Store!.Primary);
            Assert.Single(ready.Store.SyncStandbys);
            Assert.Matches("^zone_[abc]$", ready.Store.SyncStandbys[0]);

            // A vote is acknowledged, its retry gets the first answer back, and the results count it once.
            var poll = await Api.CreateOpenPollAsync(admin);
            var viewer = await Api.RegisterAsync(admin);
            using var first201 = await Api.VoteAsync(client, poll.Id, viewer.Token, "a");
            Assert.Equal(HttpStatusCode.Created, first201.StatusCode);
            var vote = await Api.ReadVoteAsync(first201);
            using var retry = await Api.VoteAsync(client, poll.Id, viewer.Token, "a");
            Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
            Assert.Equal(vote.Receipt, (await Api.ReadVoteAsync(retry)).Receipt);
            Assert.Equal(1, (await Api.ResultsWhenAsync(client, poll.Id, r => r.Total == 1)).Total);
        }
        finally
        {
            if (!script.HasExited)
            {
                using var term = Process.Start("kill", ["-TERM", script.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
                await term.WaitForExitAsync();
            }

            using var stopped = new CancellationTokenSource(StopDeadline);
            try
            {
                await script.WaitForExitAsync(stopped.Token);
            }
            catch (OperationCanceledException)
            {
                script.Kill(entireProcessTree: true);
            }
        }

        // Stopped by itself: every process it started is gone and its folder removed.
        var log = Output(output);
        Assert.Contains("Stopped.", log, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder), $"{folder} is left behind:\n{log}");
        Assert.Empty(ProcessesMentioning(folder));
    }

    private static async Task<HealthDto> ReadyWhenAsync(HttpClient client, Func<HealthDto, bool> done)
    {
        var clock = Stopwatch.StartNew();
        HealthDto? last = null;
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            using var response = await client.GetAsync(new Uri("/readyz", UriKind.Relative));
            last = await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.HealthDto);
            if (last is not null && done(last))
            {
                return last;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"readiness never matched; last: {last}");
    }

    /// <summary>The command lines of every process that names <paramref name="folder"/> (etcd, Patroni, postgres, HAProxy, nodes).</summary>
    private static List<string> ProcessesMentioning(string folder)
    {
        var found = new List<string>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                var commandLine = File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ');
                if (commandLine.Contains(folder, StringComparison.Ordinal))
                {
                    found.Add(commandLine);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process ended while being read.
            }
        }

        return found;
    }

    /// <summary>A base port with <paramref name="count"/> consecutive free loopback ports above it.</summary>
    private static int FreePortRange(int count)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var start = Random.Shared.Next(20_000, 32_000);
            if (Enumerable.Range(start, count).All(IsFree))
            {
                return start;
            }
        }

        throw new InvalidOperationException($"No {count} consecutive free ports found.");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static string Output(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    [GeneratedRegex(@"LiveVote fleet is up \(folder (\S+)\):")]
    private static partial Regex FolderLine();

    [GeneratedRegex(@"admin key \(X-Admin-Key\): (\S+)")]
    private static partial Regex AdminKeyLine();
}
