using System.ComponentModel.DataAnnotations;

namespace LiveVote.Server.Telemetry;

/// <summary>Configuration section <c>LiveVote:Telemetry</c>.</summary>
public sealed class TelemetryOptions
{
    public const string Section = "LiveVote:Telemetry";

    /// <summary>
    /// OTLP collector (e.g. <c>http://otel-collector:4317</c>); traces, metrics and logs are pushed there when set. Unset:
    /// OpenTelemetry's <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, when that is set.
    /// </summary>
    public Uri? OtlpEndpoint { get; set; }

    /// <summary>
    /// Share of new traces recorded (requests that arrive with a sampled <c>traceparent</c> follow their caller). Low by
    /// default: at show peak every recorded vote costs a few spans.
    /// </summary>
    [Range(0.0, 1.0)]
    public double SamplingRatio { get; set; } = 0.01;

    /// <summary>Record traces at all; unset means "when an OTLP endpoint is configured" (nobody would read them otherwise).</summary>
    public bool? TracingEnabled { get; set; }

    public bool TracesOn => TracingEnabled ?? OtlpEndpoint is not null;
}
