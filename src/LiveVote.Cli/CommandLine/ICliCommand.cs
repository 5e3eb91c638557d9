namespace LiveVote.Cli.CommandLine;

/// <summary>
/// One option a command accepts: <c>--name value</c> (or <c>--name=value</c>) when it has a <paramref name="ValueName"/>,
/// else a bare flag <c>--name</c>. A <paramref name="Repeatable"/> option may be given several times; its values keep
/// their command-line order (<see cref="ParsedOptions.Values"/>).
/// </summary>
internal sealed record OptionSpec(string Name, string? ValueName, string Help, bool Repeatable = false)
{
    public bool TakesValue => ValueName is not null;

    public string Synopsis => TakesValue ? $"--{Name} <{ValueName}>" : $"--{Name}";
}

/// <summary>
/// A command of the CLI, addressed by one or more words (<c>audit verify</c>). Commands live in their feature folder
/// and are listed once in <see cref="CliApp"/>.
/// </summary>
internal interface ICliCommand
{
    /// <summary>The words that select the command, e.g. ["audit", "verify"].</summary>
    IReadOnlyList<string> Words { get; }

    /// <summary>What follows the words in the usage line, e.g. "--sqlite &lt;path&gt; [--json]".</summary>
    string Arguments { get; }

    /// <summary>One line saying what the command does.</summary>
    string Summary { get; }

    IReadOnlyList<OptionSpec> Options { get; }

    /// <summary>Runs the command; throws <see cref="UsageException"/> for a command line it cannot run.</summary>
    Task<int> RunAsync(ParsedOptions options, TextWriter output, CancellationToken cancellationToken);
}
