namespace LiveVote.Cli.CommandLine;

/// <summary>Process exit codes shared by every command: scripts and CI branch on them.</summary>
internal static class ExitCodes
{
    /// <summary>The command did its work and every check held.</summary>
    public const int Ok = 0;

    /// <summary>The command ran but found something wrong (e.g. a tampered audit chain).</summary>
    public const int Failed = 1;

    /// <summary>The command line was wrong (unknown command or option, missing value, a file that must not exist does).</summary>
    public const int Usage = 2;

    /// <summary>
    /// The server or database could not be reached (connection refused, DNS, timeout before any answer, a database file
    /// missing or unopenable): nothing was checked, so a script retries or pages instead of reporting a failed check.
    /// </summary>
    public const int Unreachable = 3;

    /// <summary>The exit-code paragraph of every help text (contract 4 of issue 16).</summary>
    public const string Help = "Exit codes: 0 success, 1 a check failed, 2 usage error, 3 could not reach the server or database.";
}
