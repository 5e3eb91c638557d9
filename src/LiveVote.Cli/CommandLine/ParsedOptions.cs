namespace LiveVote.Cli.CommandLine;

/// <summary>
/// The options of one command line, parsed against the command's <see cref="OptionSpec"/>s. Hand-written on purpose:
/// the grammar is tiny and a parser package would be one more dependency of an auditor's tool.
/// </summary>
internal sealed class ParsedOptions
{
    private readonly Dictionary<string, string?> _values;
    private readonly Dictionary<string, List<string>> _repeated;

    private ParsedOptions(Dictionary<string, string?> values, Dictionary<string, List<string>> repeated)
    {
        _values = values;
        _repeated = repeated;
    }

    public bool HelpRequested { get; private init; }

    /// <summary>Reads an environment variable (the process's, or a test's stand-in).</summary>
    public Func<string, string?> Environment { get; private init; } = System.Environment.GetEnvironmentVariable;

    public bool Has(string name) => _values.ContainsKey(name);

    public string? Value(string name) => _values.GetValueOrDefault(name);

    /// <summary>Every value of a repeatable option, in command-line order (empty when it is not given).</summary>
    public IReadOnlyList<string> Values(string name) =>
        _repeated.TryGetValue(name, out var values) ? values : _values.GetValueOrDefault(name) is { } value ? [value] : [];

    public string Required(string name) =>
        _values.TryGetValue(name, out var value) && value is not null ? value : throw new UsageException($"--{name} is required.");

    public static ParsedOptions Parse(IReadOnlyList<string> args, IReadOnlyList<OptionSpec> specs, Func<string, string?>? environment = null)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        var repeated = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var help = false;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "--help" or "-h")
            {
                help = true;
                continue;
            }

            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                throw new UsageException($"Unexpected argument '{arg}'.");
            }

            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? arg[2..] : arg[2..equals];
            var spec = specs.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.Ordinal))
                       ?? throw new UsageException($"Unknown option '--{name}'.");
            if (values.ContainsKey(name) && !spec.Repeatable)
            {
                throw new UsageException($"--{name} is given twice.");
            }

            if (!spec.TakesValue)
            {
                values[name] = equals < 0 ? null : throw new UsageException($"--{name} takes no value.");
                continue;
            }

            string value;
            if (equals >= 0)
            {
                value = arg[(equals + 1)..];
            }
            else if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                value = args[++i];
            }
            else
            {
                throw new UsageException($"--{name} needs a value.");
            }

            values[name] = value.Length > 0 ? value : throw new UsageException($"--{name} needs a value.");
            if (spec.Repeatable)
            {
                if (!repeated.TryGetValue(name, out var list))
                {
                    repeated[name] = list = [];
                }

                list.Add(value);
            }
        }

        return new ParsedOptions(values, repeated) { HelpRequested = help, Environment = environment ?? System.Environment.GetEnvironmentVariable };
    }
}
