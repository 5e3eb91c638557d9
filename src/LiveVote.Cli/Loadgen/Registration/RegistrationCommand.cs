using System.Text.Json;
using LiveVote.Cli.CommandLine;

namespace LiveVote.Cli.Loadgen.Registration;

/// <summary>
/// <c>livevote loadgen registration</c>: a registration burst (back end or public with the CAPTCHA) at a server,
/// measured per request on both sides, then checked. Progress goes to <paramref name="progress"/> (stderr), the
/// Markdown summary to the output. Exit 1 when a check fails, 3 when the server cannot be reached.
/// </summary>
internal sealed class RegistrationCommand(TextWriter? progress = null) : ICliCommand
{
    public IReadOnlyList<string> Words { get; } = ["loadgen", "registration"];

    public string Arguments =>
        "--url <url> [--kind backend|public] [--admin-key-file <path> | --admin-key <key>] [--count n] [--connections n] [--warmup n] [--server-pid pid] [--json path]";

    public string Summary => "Burst viewer registrations (back end, or public with a solved CAPTCHA) at a server and measure each.";

    public IReadOnlyList<OptionSpec> Options => RegistrationSettings.Specs;

    public async Task<int> RunAsync(ParsedOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        var settings = RegistrationSettings.From(options);
        RegistrationReport report;
        try
        {
            report = await new RegistrationRun(settings, progress ?? Console.Error).RunAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e) when (e.StatusCode is null)
        {
            await output.WriteLineAsync($"FAIL: could not reach {settings.Url}: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Unreachable;
        }

        await output.WriteLineAsync(report.ToMarkdown()).ConfigureAwait(false);
        if (settings.JsonPath is { } path)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            await File.WriteAllTextAsync(path, JsonSerializer.Serialize(report, RegistrationJsonContext.Default.RegistrationReport), cancellationToken).ConfigureAwait(false);
        }

        return report.Passed ? ExitCodes.Ok : ExitCodes.Failed;
    }
}
