namespace LiveVote.Cli.CommandLine;

/// <summary>
/// The server or database the command needs could not be reached or opened; the dispatcher prints the message, exit 3.
/// Distinct from a failed check: nothing was judged.
/// </summary>
internal sealed class CouldNotReachException(string message, Exception? inner = null) : Exception(message, inner);
