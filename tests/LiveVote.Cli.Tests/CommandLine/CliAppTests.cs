using System.Reflection;
using LiveVote.Cli.CommandLine;
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
        Assert.Contains("audit verify (--sqlite <path> | --postgres <connection string> [--postgres <connection string> ...]) [--key <vkey>]... [--heads <file>] [--receipts <file>] [--json]", result.Output, StringComparison.Ordinal);
        Assert.Empty(result.Error);
    }

    [Fact]
    public async Task Run_CommandHelp_ListsItsOptionsAndExitsZero()
    {
        var result = await CliRunner.RunAsync("audit", "verify", "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Usage: livevote audit verify (--sqlite <path> | --postgres <connection string> [--postgres <connection string> ...]) [--key <vkey>]... [--heads <file>] [--receipts <file>] [--json]", result.Output, StringComparison.Ordinal);
        Assert.Contains("--sqlite <path>                 The SQLite database file", result.Output, StringComparison.Ordinal);
        Assert.Contains("--json", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_OptionWithEqualsSign_IsAcceptedLikeASeparateValue()
    {
        var result = await CliRunner.RunAsync("audit", "verify", "--sqlite=/nonexistent/livevote.db");

        // Parsed as the path (so the file check is what fails), not as an unknown option.
        Assert.Equal(ExitCodes.Unreachable, result.ExitCode);
        Assert.StartsWith("Could not reach: No such file: /nonexistent/livevote.db", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_UsageErrorAsTheBuiltProgram_ExitsTwo()
    {
        var result = await CliRunner.RunProcessAsync("audit", "verify", "--sqlite", "a.db", "--bogus");

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("Unknown option '--bogus'.", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_MissingDatabaseAsTheBuiltProgram_ExitsThreeNamingTheFile()
    {
        // Contract 4: a database that is not there is "could not reach" (3), not a usage error or a failed check.
        var result = await CliRunner.RunProcessAsync("audit", "verify", "--sqlite", "/nonexistent/livevote.db");

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("No such file: /nonexistent/livevote.db", result.Error, StringComparison.Ordinal);
        Assert.Empty(result.Output);
    }

    [Fact]
    public async Task Run_Version_PrintsTheAssemblysInformationalVersion()
    {
        var expected = typeof(CliApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;

        var inProcess = await CliRunner.RunAsync("--version");
        var built = await CliRunner.RunProcessAsync("--version");

        Assert.Equal(0, inProcess.ExitCode);
        Assert.Equal(expected, inProcess.Output.Trim());
        Assert.StartsWith("1.0.0", expected, StringComparison.Ordinal);
        Assert.Equal(0, built.ExitCode);
        Assert.Equal(expected, built.Output.Trim());
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("help")]
    public async Task Run_Help_ListsEveryCommandOnOneLineWithItsSummaryAndTheExitCodes(string flag)
    {
        var result = await CliRunner.RunAsync(flag);

        Assert.Equal(0, result.ExitCode);
        var lines = result.Output.Split(Environment.NewLine);
        foreach (var command in CliApp.Commands)
        {
            var words = string.Join(' ', command.Words);
            Assert.Single(lines, l => l.TrimStart().StartsWith(words + " ", StringComparison.Ordinal) && l.EndsWith(command.Summary, StringComparison.Ordinal));
        }

        Assert.Equal(["audit verify", "audit heads", "loadgen", "loadgen registration", "backup", "restore"], CliApp.Commands.Select(c => string.Join(' ', c.Words)));
        Assert.Contains("Exit codes: 0 success, 1 a check failed, 2 usage error, 3 could not reach the server or database.", result.Output, StringComparison.Ordinal);
        Assert.Contains("--version", result.Output, StringComparison.Ordinal);
    }

    public static TheoryData<string> CommandWords => [.. CliApp.Commands.Select(c => string.Join(' ', c.Words))];

    [Theory]
    [MemberData(nameof(CommandWords))]
    public async Task Run_EveryCommandsHelp_ShowsItsUsageEveryOptionAndTheExitCodes(string words)
    {
        var command = CliApp.Commands.Single(c => string.Join(' ', c.Words) == words);

        var result = await CliRunner.RunAsync([.. command.Words, "--help"]);

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith($"Usage: livevote {words} {command.Arguments}", result.Output, StringComparison.Ordinal);
        Assert.All(command.Options, o => Assert.Contains(o.Synopsis, result.Output, StringComparison.Ordinal));
        Assert.Contains("3 could not reach the server or database", result.Output, StringComparison.Ordinal);
    }
}
