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

    /// <summary>
    /// The node's name in the fleet's console figures (<c>node_counters</c>): its counts are stored under it every
    /// second and resumed from it at start, so a restart does not reset them. Unset: the machine name and the port the
    /// node listens on (<c>host:8080</c>). Every node of a fleet needs its own: two nodes under one name overwrite each
    /// other's row.
    /// </summary>
    [MaxLength(200)]
    public string? NodeName { get; set; }

    public bool TracesOn => TracingEnabled ?? OtlpEndpoint is not null;
}
