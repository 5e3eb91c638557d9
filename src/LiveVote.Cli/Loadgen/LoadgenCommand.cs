using System.Text.Json;
using LiveVote.Cli.CommandLine;

namespace LiveVote.Cli.Loadgen;

/// <summary>
/// <c>livevote loadgen</c>: drives votes at a server (closed-loop saturation or open-loop constant rate), measures
/// write, results-read and vote-to-visible latency, and checks at the end that nothing acknowledged was lost or
/// double counted, and that every answer was one the API promises. Progress goes to <paramref name="progress"/> (stderr),
/// the summary to the output. Exit 3 when the server cannot be reached at setup (<see cref="CouldNotReachException"/>).
/// </summary>
internal sealed class LoadgenCommand(TextWriter? progress = null, TimeProvider? time = null) : ICliCommand
{
    public IReadOnlyList<string> Words { get; } = ["loadgen"];

    public string Arguments =>
        "--url <url> [--admin-key-file <path> | --admin-key <key>] [--mode closed|open] [--connections n] [--rate r] [--duration s] [--out path] [--keep-open] [--export-tokens path]";

    public string Summary => "Load-test a server's vote path and check that every acknowledged vote is counted exactly once.";

    public IReadOnlyList<OptionSpec> Options => LoadgenSettings.Specs;

    public async Task<int> RunAsync(ParsedOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        var settings = LoadgenSettings.From(options);
        if (settings.ExportTokensPath is { } tokensPath)
        {
            try
            {
                await TokenExport.RunAsync(settings, tokensPath, progress ?? Console.Error, cancellationToken).ConfigureAwait(false);
                return ExitCodes.Ok;
            }
            catch (Exception e) when (e is LoadSetupException or HttpRequestException)
            {
                await output.WriteLineAsync($"FAIL: {e.Message}").ConfigureAwait(false);
                return ExitCodes.Failed;
            }
        }

        var progressWriter = progress ?? Console.Error;
        var subscribers = new Subscribers.SubscriberRun(settings, progressWriter);
        LoadReport report;
        try
        {
            report = await new LoadRun(settings, progressWriter, time ?? TimeProvider.System, subscribers.BeforeVotes).RunAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is LoadSetupException or HttpRequestException)
        {
            await subscribers.StopAsync().ConfigureAwait(false);
            await output.WriteLineAsync($"FAIL: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Failed;
        }

        var streams = await subscribers.StopAsync().ConfigureAwait(false);
        var markdown = MarkdownSummary.Render(report) + (streams is null ? "" : Environment.NewLine + streams.ToMarkdown());
        await output.WriteLineAsync(markdown).ConfigureAwait(false);
        if (settings.OutPath is { } path)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            await File.WriteAllTextAsync(path, JsonSerializer.Serialize(report, LoadgenJsonContext.Default.LoadReport), cancellationToken).ConfigureAwait(false);
            await File.WriteAllTextAsync(Path.ChangeExtension(path, ".md"), markdown, cancellationToken).ConfigureAwait(false);
            var title = $"{(report.Baseline ? "baseline" : report.Mode + "-loop")}, {report.Connections} connections";
            await File.WriteAllTextAsync(Path.ChangeExtension(path, ".svg"), SvgChart.Render(title, report.Series), cancellationToken).ConfigureAwait(false);
        }

        if (settings.OutPath is { } streamsPath && streams is not null)
        {
            await File.WriteAllTextAsync(Path.ChangeExtension(streamsPath, ".subscribers.json"),
                JsonSerializer.Serialize(streams, Subscribers.SubscribersJsonContext.Default.SubscriberReport), cancellationToken).ConfigureAwait(false);
        }

        return report.Passed ? ExitCodes.Ok : ExitCodes.Failed;
    }
}
