using System.Diagnostics;
using System.Globalization;

namespace LiveVote.Server.Tests.Infrastructure;

/// <summary>
/// A long-running process of one zone (etcd, Patroni, HAProxy), started through the zone's launch hook in a session
/// of its own (<c>setsid</c>, so its children can be killed with it) with stdout and stderr appended to a log file.
/// Every step of the launch chain (<c>sh -c exec</c>, <c>setsid</c>, <c>setpriv</c>, <c>ip netns exec</c>) execs the
/// next one, so <see cref="Pid"/> is the program's own pid and the id of its process group.
/// </summary>
public sealed class ZoneProcess
{
    private ZoneProcess(string name, int pid, string logPath)
    {
        Name = name;
        Pid = pid;
        LogPath = logPath;
    }

    public string Name { get; }

    public int Pid { get; }

    public string LogPath { get; }

    public bool HasExited => !Directory.Exists($"/proc/{Pid}") || IsZombie(Pid);

    /// <summary>
    /// Starts <paramref name="file"/> with <paramref name="args"/> in <paramref name="zone"/>, as <paramref name="user"/>
    /// when given (PostgreSQL and Patroni refuse root).
    /// </summary>
    public static ZoneProcess Start(
        ZoneHost zone, string name, string logPath, string file, IEnumerable<string> args,
        IReadOnlyDictionary<string, string>? environment = null, string? user = null, string? workingDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, WorkingDirectory = workingDirectory ?? Path.GetDirectoryName(logPath)! };
        // $0 is the log file, "$@" the command: the shell replaces itself with the command, output appended to the log.
        foreach (var arg in new[] { "-c", "exec \"$@\" >>\"$0\" 2>&1", logPath, "/usr/bin/setsid" })
        {
            start.ArgumentList.Add(arg);
        }

        if (user is not null)
        {
            foreach (var arg in new[] { "/usr/bin/setpriv", $"--reuid={user}", $"--regid={user}", "--init-groups", "--" })
            {
                start.ArgumentList.Add(arg);
            }
        }

        start.ArgumentList.Add(file);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(zone.Wrap(start)) ?? throw new InvalidOperationException($"{name} did not start.");
        return new ZoneProcess(name, process.Id, logPath);
    }

    /// <summary>kill -9 of the process alone (its children, e.g. a postmaster in a session of its own, live on).</summary>
    public void Kill() => Signal(Pid.ToString(CultureInfo.InvariantCulture));

    /// <summary>kill -9 of the process and everything in its process group.</summary>
    public void KillGroup()
    {
        Signal("--", $"-{Pid.ToString(CultureInfo.InvariantCulture)}");
        Kill();
    }

    /// <summary>Waits (bounded) until the killed process is gone, so a port or data folder it held is free again.</summary>
    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!HasExited && clock.Elapsed < timeout)
        {
            await Task.Delay(50);
        }
    }

    /// <summary>The last <paramref name="lines"/> lines of the log, for failure messages.</summary>
    public string Tail(int lines = 20) => TailOf(LogPath, lines);

    public static string TailOf(string path, int lines = 20)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().Split('\n');
            return $"--- {path} ---\n" + string.Join('\n', all.TakeLast(lines + 1));
        }
        catch (IOException e)
        {
            return $"--- {path}: {e.Message}";
        }
        catch (UnauthorizedAccessException e)
        {
            return $"--- {path}: {e.Message}";
        }
    }

    /// <summary>kill -9 of <paramref name="pid"/> and of its process group (a postmaster's backends die with it anyway).</summary>
    public static void KillPidAndGroup(int pid)
    {
        var groupId = ProcessGroupOf(pid);
        if (groupId > 1)
        {
            Signal("--", $"-{groupId.ToString(CultureInfo.InvariantCulture)}");
        }

        Signal(pid.ToString(CultureInfo.InvariantCulture));
    }

    public static bool IsAlive(int pid) => Directory.Exists($"/proc/{pid}") && !IsZombie(pid);

    private static int ProcessGroupOf(int pid)
    {
        try
        {
            // /proc/<pid>/stat: "pid (comm) state ppid pgrp ..."; comm may hold spaces, so parse after the last ')'.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[2], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static bool IsZombie(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (IOException)
        {
            return true;
        }
    }

    private static void Signal(params string[] target)
    {
        var start = new ProcessStartInfo("/bin/kill") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add("-KILL");
        foreach (var arg in target)
        {
            start.ArgumentList.Add(arg);
        }

        using var kill = Process.Start(start)!;
        kill.WaitForExit(10_000);
    }
}
