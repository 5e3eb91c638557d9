namespace LiveVote.Cli.CommandLine;

/// <summary>Process exit codes shared by every command: scripts and CI branch on them.</summary>
internal static class ExitCodes
{
    /// <summary>The command did its work and every check held.</summary>
    public const int Ok = 0;

    /// <summary>The command ran but found something wrong (e.g. a tampered audit chain).</summary>
    public const int Failed = 1;

    /// <summary>The command line was wrong (unknown command or option, missing value, missing file).</summary>
    public const int Usage = 2;
}
