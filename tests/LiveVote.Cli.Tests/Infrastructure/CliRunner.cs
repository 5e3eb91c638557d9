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
    public static Task<CliResult> RunAsync(params string[] args) => RunWithEnvironmentAsync(new Dictionary<string, string>(), args);

    /// <summary>In process, with <paramref name="environment"/> standing in for the process's environment variables.</summary>
    public static async Task<CliResult> RunWithEnvironmentAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await CliApp.RunAsync(args, output, error, name => environment.GetValueOrDefault(name));
        return new CliResult(exitCode, output.ToString(), error.ToString());
    }

    /// <summary>Runs <c>dotnet LiveVote.Cli.dll args</c>, the CLI as built (it is copied beside the tests).</summary>
    public static Task<CliResult> RunProcessAsync(params string[] args) => RunProgramAsync(DotnetHost(), [Path.Combine(AppContext.BaseDirectory, "LiveVote.Cli.dll"), .. args]);

    /// <summary>Runs a program (e.g. the installed tool's <c>livevote</c>) with the given arguments and extra environment.</summary>
    public static async Task<CliResult> RunProgramAsync(string program, IReadOnlyList<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();

        // A generous deadline so a hung child cannot hang the suite; this is not a timing assertion.
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(5));
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

    public static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host))
        {
            return host;
        }

        return Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
    }
}
