namespace LiveVote.Cli.CommandLine;

/// <summary>The command line cannot be run as given; the dispatcher prints the message and the usage, exit 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
