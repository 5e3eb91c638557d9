using LiveVote.Server.Hosting;
using LiveVote.Server.Ingest;
using LiveVote.Server.Results;
using LiveVote.Server.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.Metrics;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace LiveVote.Server.Telemetry;

/// <summary>
/// Traces, metrics and logs with OpenTelemetry: the <c>LiveVote.Server</c> source and meter plus ASP.NET Core's,
/// Prometheus at <c>/metrics</c>, OTLP when <c>LiveVote:Telemetry:OtlpEndpoint</c> (or <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>)
/// is set, console logs (<see cref="ConsoleLogs"/>).
/// </summary>
public static class TelemetrySetup
{
    public const string MetricsPath = "/metrics";
    public const string ServiceName = "livevote-server";

    /// <summary>
    /// ASP.NET Core's meters that are exported: what AddAspNetCoreInstrumentation() would add, without those that record
    /// on every request and nobody reads: routing's <c>aspnetcore.routing.match_attempts</c>, the rate limiting
    /// middleware's lease counters and histogram (our own <c>livevote.ratelimit.rejections</c> counts refusals) and the
    /// memory pool's. Together they were four instrument updates per vote. <c>http.server.request.duration</c>, which
    /// the dashboard and the alerts use, is Hosting's.
    /// </summary>
    internal static readonly string[] AspNetCoreMeters =
    [
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Server.Kestrel",
        "Microsoft.AspNetCore.Http.Connections",
        "Microsoft.AspNetCore.Diagnostics",
        "Microsoft.AspNetCore.Authentication",
        "Microsoft.AspNetCore.Authorization",
    ];

    public static WebApplicationBuilder AddTelemetry(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<TelemetryOptions>().BindConfiguration(TelemetryOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        var options = builder.Configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();

        options.OtlpEndpoint ??= StandardOtlpEndpoint(builder.Configuration);
        AddLogs(builder);
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(ServiceName))
            .WithMetrics(metrics =>
            {
                // System.Runtime: .NET's own meter (GC heap and allocations, pauses, thread pool queue, lock
                // contention): what an operator checks first when a node is slow, and how the benchmark measures
                // bytes allocated per vote (bench/profile.sh).
                metrics.AddMeter("System.Runtime").AddMeter(AspNetCoreMeters).AddPrometheusExporter();
                if (options.OtlpEndpoint is { } endpoint)
                {
                    metrics.AddOtlpExporter(otlp => otlp.Endpoint = endpoint);
                }
            });

        // Our meter is enabled by rule rather than by AddMeter, which would listen to every meter of that name in the
        // process: Global is the static meter of what features record, Local this host's own IMeterFactory meter with
        // its gauges. Another server in the same process has its own Local meter, which this host's exporters skip.
        if (options.OtlpEndpoint is { } logsEndpoint)
        {
            // The same entries as the console, filtered by the same Logging:LogLevel rules, with their trace context.
            otel.WithLogging(logging => logging.AddOtlpExporter(otlp => otlp.Endpoint = logsEndpoint), logging => logging.IncludeScopes = true);
        }

        builder.Metrics.EnableMetrics(LiveVoteTelemetry.Name, scopes: MeterScope.Global | MeterScope.Local);
        if (options.TracesOn)
        {
            otel.WithTracing(tracing =>
            {
                tracing.AddSource(LiveVoteTelemetry.Name)
                    .SetSampler(new LinkedBatchSampler(options.SamplingRatio))
                    .AddAspNetCoreInstrumentation(aspnet => aspnet.Filter = context => !IsOperational(context.Request.Path));
                if (options.OtlpEndpoint is { } endpoint)
                {
                    tracing.AddOtlpExporter(otlp => otlp.Endpoint = endpoint);
                }
            });
        }

        // What the gauges, the console and /readyz read of the node's store partitions: by default the one queue,
        // writer and store of a node with one partition. A node with several registers its own IngestQueueDepths and
        // StoreProbes (one entry per partition, in order): registered before these, TryAdd skips the defaults; after
        // them, the last registration is the one resolved. The factories run only if the defaults are used.
        builder.Services.TryAddSingleton(services => new IngestQueueDepths([services.GetRequiredService<IngestQueue>()]));
        builder.Services.TryAddSingleton(services =>
        {
            var writer = services.GetRequiredService<BatchWriter>();
            var store = services.GetRequiredService<IVoteStore>();
            return new StoreProbes([new StoreProbe(() => writer.IsRunning, store.PingAsync)]);
        });
        builder.Services.AddSingleton<LiveVoteTelemetry.ServerGauges>();
        builder.Services.AddSingleton<LiveStats>();
        builder.Services.AddSingleton<FleetCounters>();
        builder.Services.AddHostedService(services => services.GetRequiredService<FleetCounters>());
        builder.Services.AddHostedService<TelemetryFromStart>();
        return builder;
    }

    /// <summary><c>/metrics</c>: Prometheus' scrape endpoint.</summary>
    public static IEndpointConventionBuilder MapMetrics(this IEndpointRouteBuilder routes) =>
        routes.MapPrometheusScrapingEndpoint(MetricsPath);

    /// <summary>
    /// Console lines (<see cref="ConsoleLogs"/>: JSON in production, with the trace and span ids of the work that
    /// logged it), and the same entries over OTLP when an endpoint is configured. ASP.NET Core's
    /// per-request lines are off unless configured (they would be one per vote); the writer, the admin actions and the
    /// host's lifecycle log at Information.
    /// </summary>
    private static void AddLogs(WebApplicationBuilder builder)
    {
        ConsoleLogs.Add(builder);
        builder.Logging.Configure(logging => logging.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        if (builder.Configuration["Logging:LogLevel:Microsoft.AspNetCore"] is null)
        {
            builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        }

        // Hosting's own logger writes only per-request Information lines, which are off anyway; but while it is
        // enabled at any level, ASP.NET Core creates an Activity and a log scope for EVERY request, traced or not
        // (3% of the vote path's allocations and their CPU, bench/README.md). Traces and metrics cover requests.
        if (builder.Configuration["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] is null)
        {
            builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        }

        // The static files middleware warns of every Range it cannot satisfy: a client's mistake that anyone can send
        // as often as they like (found by the hostile-input test), so only its errors reach the log.
        if (builder.Configuration["Logging:LogLevel:Microsoft.AspNetCore.StaticFiles"] is null)
        {
            builder.Logging.AddFilter("Microsoft.AspNetCore.StaticFiles", LogLevel.Error);
        }
    }

    /// <summary>
    /// OpenTelemetry's standard variable (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>), which collectors' and platforms' docs tell
    /// operators to set: it counts as <c>LiveVote:Telemetry:OtlpEndpoint</c> when that is not set, for traces, metrics
    /// and logs alike.
    /// </summary>
    internal static Uri? StandardOtlpEndpoint(IConfiguration configuration) =>
        configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] is { Length: > 0 } text
            ? Uri.TryCreate(text, UriKind.Absolute, out var uri) ? uri : throw new Hosting.BadConfigurationException("OTEL_EXPORTER_OTLP_ENDPOINT", $"'{text}' is not an absolute URI.")
            : null;

    /// <summary>
    /// The gauges are scraped from start, and the console's figures count from the moment their listener exists: both
    /// are created as the host starts, not at the first scrape or console request, or votes cast before anyone looked
    /// would be missing from the totals.
    /// </summary>
    private sealed class TelemetryFromStart(LiveVoteTelemetry.ServerGauges gauges, LiveStats stats) : IHostedService
    {
        /// <summary>Resolving them, as the host starts its services, is what creates the gauges and starts the listener.</summary>
        public LiveVoteTelemetry.ServerGauges Gauges { get; } = gauges;

        public LiveStats Stats { get; } = stats;

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>Scrapes and health probes are not traced: they stay cheap and keep traces about viewers and producers.</summary>
    private static bool IsOperational(PathString path) =>
        path.StartsWithSegments(MetricsPath, StringComparison.Ordinal)
        || path.StartsWithSegments("/healthz", StringComparison.Ordinal)
        || path.StartsWithSegments("/readyz", StringComparison.Ordinal);
}
