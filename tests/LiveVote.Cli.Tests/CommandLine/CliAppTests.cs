using LiveVote.Cli.Tests.Infrastructure;

namespace LiveVote.Cli.Tests.CommandLine;

public sealed class CliAppTests
{
    public static TheoryData<string[], string> UsageErrors => new()
    {
        { [], "Usage: livevote <command>" },
        { ["frobnicate"], "Unknown command 'frobnicate'." },
        { ["audit"], "Unknown command 'audit'." },
        { ["audit", "recount", "--sqlite", "x.db"], "Unknown command 'audit recount'." },
        { ["audit", "verify"], "Give exactly one of --sqlite <path> and --postgres <connection string>." },
        { ["audit", "verify", "--sqlite"], "--sqlite needs a value." },
        { ["audit", "verify", "--sqlite", "--json"], "--sqlite needs a value." },
        { ["audit", "verify", "--sqlite", "/nonexistent/livevote.db"], "No such file: /nonexistent/livevote.db" },
        { ["audit", "verify", "--sqlite", "a.db", "--sqlite", "b.db"], "--sqlite is given twice." },
        { ["audit", "verify", "--sqlite", "a.db", "--postgres", "Host=a", "--postgres", "Host=b"], "Give exactly one of --sqlite <path> and --postgres <connection string>." },
        { ["audit", "verify", "--postgres", "Host=a", "--postgres", "Bogus Key=1"], "--postgres is not a valid connection string" },
        { ["audit", "verify", "--sqlite", "a.db", "--bogus"], "Unknown option '--bogus'." },
        { ["audit", "verify", "--json=yes", "--sqlite", "a.db"], "--json takes no value." },
        { ["audit", "verify", "stray", "--sqlite", "a.db"], "Unexpected argument 'stray'." },
    };

    [Theory]
    [MemberData(nameof(UsageErrors))]
    public async Task Run_UsageError_ExitsTwoWithTheReasonAndUsageOnStandardError(string[] args, string reason)
    {
        var result = await CliRunner.RunAsync(args);

        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.Output);
        Assert.StartsWith(reason, result.Error, StringComparison.Ordinal);
        Assert.Contains("Usage: livevote ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_Help_ListsTheCommandsAndExitsZero()
    {
        var result = await CliRunner.RunAsync("--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("audit verify (--sqlite <path> | --postgres <connection string> [--postgres <connection string> ...]) [--json]", result.Output, StringComparison.Ordinal);
        Assert.Empty(result.Error);
    }

    [Fact]
    public async Task Run_CommandHelp_ListsItsOptionsAndExitsZero()
    {
        var result = await CliRunner.RunAsync("audit", "verify", "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Usage: livevote audit verify (--sqlite <path> | --postgres <connection string> [--postgres <connection string> ...]) [--json]", result.Output, StringComparison.Ordinal);
        Assert.Contains("--sqlite <path>                 The SQLite database file", result.Output, StringComparison.Ordinal);
        Assert.Contains("--json", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_OptionWithEqualsSign_IsAcceptedLikeASeparateValue()
    {
        var result = await CliRunner.RunAsync("audit", "verify", "--sqlite=/nonexistent/livevote.db");

        // Parsed as the path (so the file check is what fails), not as an unknown option.
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("No such file: /nonexistent/livevote.db", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_UsageErrorAsTheBuiltProgram_ExitsTwo()
    {
        var result = await CliRunner.RunProcessAsync("audit", "verify", "--sqlite", "/nonexistent/livevote.db");

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("No such file: /nonexistent/livevote.db", result.Error, StringComparison.Ordinal);
    }
}
