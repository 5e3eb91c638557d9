using System.Diagnostics;
using LiveVote.Cli.CommandLine;

namespace LiveVote.Cli.Tests.Infrastructure;

public sealed record CliResult(int ExitCode, string Output, string Error)
{
    public IEnumerable<string> OutputLines => Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The first "FAIL: ..." line: the verifier lists problems in seq order, so it names the first bad seq.</summary>
    public string FirstFailure => OutputLines.FirstOrDefault(l => l.StartsWith("FAIL: ", StringComparison.Ordinal)) ?? "(no FAIL line)";
}

/// <summary>Runs the CLI in process (its dispatcher entry point) or as the built program in a child process.</summary>
public static class CliRunner
{
    public static async Task<CliResult> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await CliApp.RunAsync(args, output, error);
        return new CliResult(exitCode, output.ToString(), error.ToString());
    }

    /// <summary>Runs <c>dotnet LiveVote.Cli.dll args</c>, the CLI as built (it is copied beside the tests).</summary>
    public static async Task<CliResult> RunProcessAsync(params string[] args)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "LiveVote.Cli.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();

        // A generous deadline so a hung child cannot hang the suite; this is not a timing assertion.
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new CliResult(process.ExitCode, await output, await error);
    }

    private static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host))
        {
            return host;
        }

        return Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
    }
}
