using System.Reflection;
using LiveVote.Cli.Audit;
using LiveVote.Cli.Audit.Logs;
using LiveVote.Cli.Backup;
using LiveVote.Cli.Loadgen;
using LiveVote.Cli.Loadgen.Registration;

namespace LiveVote.Cli.CommandLine;

/// <summary>
/// The dispatcher: picks the command whose words start the command line, parses its options and runs it. A new
/// command (e.g. <c>loadgen</c>) is one class in its feature folder plus one line in <see cref="Commands"/>.
/// </summary>
internal static class CliApp
{
    public const string ToolName = "livevote";

    public static IReadOnlyList<ICliCommand> Commands { get; } =
    [
        new AuditVerifyCommand(),
        new AuditHeadsCommand(),
        new LoadgenCommand(),
        new RegistrationCommand(),
        new BackupCommand(),
        new RestoreCommand(),
    ];

    /// <summary>The informational version stamped into the assembly at build (version, and the commit when known).</summary>
    public static string Version =>
        typeof(CliApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(CliApp).Assembly.GetName().Version?.ToString() ?? "unknown";

    /// <summary>Runs one command line; the in-process entry point the tests call (Main only adds Ctrl+C).</summary>
    public static async Task<int> RunAsync(
        IReadOnlyList<string> args, TextWriter output, TextWriter error, Func<string, string?>? environment = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (args.Count == 0)
        {
            await error.WriteLineAsync(Usage()).ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        if (args.Count == 1 && args[0] is "help" or "--help" or "-h")
        {
            await output.WriteLineAsync(Usage()).ConfigureAwait(false);
            return ExitCodes.Ok;
        }

        if (args.Count == 1 && args[0] is "--version")
        {
            await output.WriteLineAsync(Version).ConfigureAwait(false);
            return ExitCodes.Ok;
        }

        var command = Find(args);
        if (command is null)
        {
            var words = string.Join(' ', args.TakeWhile(a => !a.StartsWith('-')));
            await error.WriteLineAsync($"Unknown command '{words}'.{Environment.NewLine}{Environment.NewLine}{Usage()}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        try
        {
            var options = ParsedOptions.Parse([.. args.Skip(command.Words.Count)], command.Options, environment);
            if (options.HelpRequested)
            {
                await output.WriteLineAsync(CommandUsage(command)).ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            return await command.RunAsync(options, output, cancellationToken).ConfigureAwait(false);
        }
        catch (UsageException e)
        {
            await error.WriteLineAsync($"{e.Message}{Environment.NewLine}{Environment.NewLine}{CommandUsage(command)}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        catch (CouldNotReachException e)
        {
            await error.WriteLineAsync($"Could not reach: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Unreachable;
        }
    }

    public static string Usage()
    {
        var lines = new List<string> { $"Usage: {ToolName} <command> [options]", $"       {ToolName} --version | --help", "", "Commands:" };
        var width = Commands.Max(c => string.Join(' ', c.Words).Length);
        lines.AddRange(Commands.Select(c => $"  {string.Join(' ', c.Words).PadRight(width)}  {c.Summary}"));
        lines.Add("");
        lines.Add("Synopsis:");
        lines.AddRange(Commands.Select(c => $"  {ToolName} {string.Join(' ', c.Words)} {c.Arguments}"));
        lines.Add("");
        lines.Add($"Run '{ToolName} <command> --help' for a command's options.");
        lines.Add(ExitCodes.Help);
        return string.Join(Environment.NewLine, lines);
    }

    public static string CommandUsage(ICliCommand command)
    {
        var lines = new List<string> { $"Usage: {ToolName} {string.Join(' ', command.Words)} {command.Arguments}", "", command.Summary, "", "Options:" };
        var width = command.Options.Max(o => o.Synopsis.Length);
        lines.AddRange(command.Options.Select(o => $"  {o.Synopsis.PadRight(width)}  {o.Help}"));
        lines.Add("");
        lines.Add(ExitCodes.Help);
        return string.Join(Environment.NewLine, lines);
    }

    /// <summary>The command with the most words that all match the start of the line (so "audit" never shadows "audit verify").</summary>
    private static ICliCommand? Find(IReadOnlyList<string> args) =>
        Commands
            .Where(c => c.Words.Count <= args.Count && c.Words.Select((w, i) => string.Equals(w, args[i], StringComparison.Ordinal)).All(m => m))
            .MaxBy(c => c.Words.Count);
}
