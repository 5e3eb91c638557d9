using System.Globalization;
using System.Text;
using System.Text.Json.Serialization;

namespace LiveVote.Cli.Loadgen.Registration;

/// <summary>
/// One timed phase: <c>challenge</c> (GET /v1/captcha/challenge), <c>public</c> (POST /v1/viewers with a solved
/// CAPTCHA) or <c>backend</c> (POST /v1/viewers with the admin key). Server figures are per answered request.
/// </summary>
internal sealed record RegistrationPhase(
    string Phase,
    int Connections,
    int Count,
    double Seconds,
    double PerSecond,
    double? ServerCpuUsPerRequest,
    double? ServerAllocatedBytesPerRequest,
    double P50Ms,
    double P99Ms,
    int Unexpected);

/// <summary>Everything one registration burst measured and checked; written as JSON with <c>--json</c>.</summary>
internal sealed record RegistrationReport(string Kind, string Url, IReadOnlyList<RegistrationPhase> Phases, IReadOnlyList<CheckResult> Checks)
{
    public bool Passed => Checks.All(c => c.Passed);

    public string ToMarkdown()
    {
        var text = new StringBuilder();
        text.AppendLine("| phase | connections | requests | seconds | per second | server CPU us/request | server bytes allocated/request | p50 ms | p99 ms | unexpected answers |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var p in Phases)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {p.Phase} | {p.Connections} | {p.Count} | {p.Seconds:F2} | {p.PerSecond:F0} | {Figure(p.ServerCpuUsPerRequest)} | {Figure(p.ServerAllocatedBytesPerRequest)} | {p.P50Ms:F1} | {p.P99Ms:F1} | {p.Unexpected} |");
        }

        text.AppendLine();
        foreach (var check in Checks)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- {(check.Passed ? "PASS" : "FAIL")} {check.Name}: {check.Detail}");
        }

        return text.ToString();
    }

    private static string Figure(double? value) => value is { } v ? v.ToString("F0", CultureInfo.InvariantCulture) : "n/a";
}

[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(RegistrationReport))]
internal sealed partial class RegistrationJsonContext : JsonSerializerContext;
