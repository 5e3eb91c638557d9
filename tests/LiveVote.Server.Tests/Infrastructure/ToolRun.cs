using System.Diagnostics;

namespace LiveVote.Server.Tests.Infrastructure;

/// <summary>
/// Runs a short command-line tool (<c>ip</c>, <c>etcdctl</c>, ...) to completion and hands back its exit code and output.
/// Both streams are drained while it runs so a chatty tool never blocks on a full pipe; a tool that overruns its
/// timeout is killed, so a hung command fails the test instead of hanging it.
/// </summary>
internal static class ToolRun
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    public static async Task<ToolResult> RunAsync(ProcessStartInfo start, TimeSpan? timeout = null)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            return new ToolResult(-1, await output, $"{await error}\n(killed after {timeout ?? DefaultTimeout})");
        }

        return new ToolResult(process.ExitCode, await output, await error);
    }

    public static Task<ToolResult> RunAsync(string file, params string[] arguments) => RunAsync(Start(file, arguments));

    /// <summary>Runs the tool and throws, with everything it said, unless it exits 0.</summary>
    public static async Task<string> RunCheckedAsync(string file, params string[] arguments)
    {
        var result = await RunAsync(file, arguments);
        return result.ExitCode == 0
            ? result.Output
            : throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed ({result.ExitCode}): {result.Output}{result.Error}");
    }

    public static ProcessStartInfo Start(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }
}

internal sealed record ToolResult(int ExitCode, string Output, string Error)
{
    public bool Succeeded => ExitCode == 0;

    public override string ToString() => $"exit {ExitCode}: {Output}{Error}";
}
