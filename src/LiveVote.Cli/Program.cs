using LiveVote.Cli.CommandLine;

namespace LiveVote.Cli;

/// <summary>
/// The operator's and auditor's tool. Not top-level statements: the tests host the server's global
/// <c>Program</c> next to this assembly, and two global <c>Program</c> types would be ambiguous there.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            // Let a long command stop cleanly (it reads only, so there is nothing to undo).
            e.Cancel = true;
            cancel.Cancel();
        };
        return await CliApp.RunAsync(args, Console.Out, Console.Error, cancellationToken: cancel.Token).ConfigureAwait(false);
    }
}
