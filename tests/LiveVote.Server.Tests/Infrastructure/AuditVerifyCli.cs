using System.Diagnostics;

namespace LiveVote.Server.Tests.Infrastructure;

/// <summary>
/// Runs <c>LiveVote.Cli audit verify --postgres ...</c> (or <c>--sqlite</c>), the auditor's own tool, as built beside this test project (same
/// configuration), as a child process: exit code and output.
/// </summary>
public static class AuditVerifyCli
{
    /// <summary>
    /// One store (one connection string), or every cluster of a fleet in partition order: each is then verified on
    /// its own and across them (the placement of each voter, the shared polls, the map).
    /// </summary>
    public static Task<(int ExitCode, string Output)> VerifyPostgresAsync(params string[] connectionStrings)
    {
        ArgumentNullException.ThrowIfNull(connectionStrings);
        return RunAsync([.. connectionStrings.SelectMany(c => new[] { "--postgres", c })]);
    }

    /// <summary>A server's SQLite file (read while the server may still be running).</summary>
    public static Task<(int ExitCode, string Output)> VerifySqliteAsync(string databasePath) => RunAsync(["--sqlite", databasePath]);

    private static async Task<(int ExitCode, string Output)> RunAsync(string[] storeArguments)
    {
        // tests/LiveVote.Server.Tests/bin/<Configuration>/<tfm>/ -> src/LiveVote.Cli/bin/<Configuration>/<tfm>/LiveVote.Cli.dll
        var tfm = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var cli = Path.Combine(DeployTemplate.RepositoryRoot, "src", "LiveVote.Cli", "bin", tfm.Parent!.Name, tfm.Name, "LiveVote.Cli.dll");
        if (!File.Exists(cli))
        {
            throw new InvalidOperationException($"{cli} is not built: build LiveVote.slnx first.");
        }

        var start = new ProcessStartInfo(Environment.ProcessPath?.EndsWith("dotnet", StringComparison.Ordinal) == true ? Environment.ProcessPath : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { cli, "audit", "verify" }.Concat(storeArguments))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        // A generous deadline so a hung child cannot hang the suite; not a timing assertion.
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await output + await error);
    }
}
