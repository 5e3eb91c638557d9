namespace LiveVote.Cli.CommandLine;

/// <summary>
/// Where a command that calls admin routes gets the admin key: <c>--admin-key-file PATH</c>, the environment variable
/// <c>LIVEVOTE_ADMIN_KEY</c>, or <c>--admin-key KEY</c>. The file and the variable exist because a key on the command
/// line is visible to every user of the machine (<c>ps</c>, <c>/proc/PID/cmdline</c>) and lands in shell history.
/// </summary>
internal static class AdminKeySource
{
    public const string EnvironmentVariable = "LIVEVOTE_ADMIN_KEY";

    public static IReadOnlyList<OptionSpec> Specs { get; } =
    [
        new("admin-key-file", "path", $"read the admin key from this file (trimmed; must not be readable by others). Preferred, like ${EnvironmentVariable}"),
        new("admin-key", "key", $"the admin key itself; visible to every user in `ps` and kept in shell history: prefer --admin-key-file or ${EnvironmentVariable}"),
    ];

    /// <summary>The key from the first source given (file, then argv, then environment), or null when none is.</summary>
    public static string? Resolve(ParsedOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Has("admin-key-file") && options.Has("admin-key"))
        {
            throw new UsageException("Give the admin key once: --admin-key-file or --admin-key, not both.");
        }

        if (options.Value("admin-key-file") is { } path)
        {
            return FromFile(path);
        }

        if (options.Value("admin-key") is { } key)
        {
            return key;
        }

        return options.Environment(EnvironmentVariable) is { } fromEnvironment
            ? fromEnvironment.Trim() is { Length: > 0 } trimmed ? trimmed : throw new UsageException($"{EnvironmentVariable} is set but empty.")
            : null;
    }

    public static string Required(ParsedOptions options) =>
        Resolve(options) ?? throw new UsageException($"The admin key is required: --admin-key-file <path>, ${EnvironmentVariable}, or --admin-key <key>.");

    private static string FromFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new UsageException($"--admin-key-file: no such file: {path}");
        }

        // A key others can read is no secret any more: refuse it, as ssh refuses a world-readable private key.
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
        {
            throw new UsageException($"--admin-key-file: {path} is readable or writable by other users; chmod 600 it.");
        }

        var key = File.ReadAllText(path).Trim();
        return key.Length > 0 ? key : throw new UsageException($"--admin-key-file: {path} is empty.");
    }
}
