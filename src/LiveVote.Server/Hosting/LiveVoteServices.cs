using LiveVote.Contracts;
using LiveVote.Server.Ingest;
using LiveVote.Server.Polls;
using LiveVote.Server.Results;
using LiveVote.Server.Security;
using LiveVote.Server.Security.Tokens;
using LiveVote.Server.Storage;
using LiveVote.Server.Telemetry;
using LiveVote.Server.Votes;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Hosting;

/// <summary>The AddX() calls Program.cs reads as a table of contents.</summary>
public static partial class LiveVoteServices
{
    /// <summary>
    /// Every request body of the API is small (a vote is ~30 bytes, a poll definition under 4 KiB); anything larger is
    /// refused with 413 before it is read.
    /// </summary>
    public const int MaxRequestBodyBytes = 4096;

    /// <summary>
    /// All request headers together. The API's largest legitimate headers are a bearer token (~0.5 KiB, an external
    /// issuer's up to ~2 KiB), a CAPTCHA solution (~0.4 KiB) and what browsers add (~1-2 KiB); 16 KiB leaves room for
    /// proxies' additions while a request cannot make the server hold Kestrel's default 32 KiB per connection.
    /// Larger: 431, from Kestrel, before any application code runs.
    /// </summary>
    public const int MaxRequestHeadersTotalBytes = 16 * 1024;

    /// <summary>Header fields per request: browsers send ~15, proxies add a few; 64 (Kestrel's default is 100).</summary>
    public const int MaxRequestHeaderCount = 64;

    /// <summary>
    /// The request line (method, path, query): the longest API path with an audit query is under 150 bytes; 4 KiB
    /// (Kestrel's default is 8 KiB) still fits any sane page URL. Longer: 414, from Kestrel.
    /// </summary>
    public const int MaxRequestLineBytes = 4 * 1024;

    public static WebApplicationBuilder AddHttp(this WebApplicationBuilder builder)
    {
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = MaxRequestBodyBytes;
            kestrel.Limits.MaxRequestHeadersTotalSize = MaxRequestHeadersTotalBytes;
            kestrel.Limits.MaxRequestHeaderCount = MaxRequestHeaderCount;
            kestrel.Limits.MaxRequestLineSize = MaxRequestLineBytes;
        });
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, ContractsJsonContext.Default));
        builder.Services.AddLiveVoteProblemDetails();
        builder.Services.TryAddSingleton(TimeProvider.System);
        return builder;
    }

    public static WebApplicationBuilder AddSecurity(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<SecretsOptions>().BindConfiguration(SecretsOptions.Section);
        builder.Services.AddOptions<TokenOptions>().BindConfiguration(TokenOptions.Section)
            .Validate(o => o.Lifetime > TimeSpan.Zero && !string.IsNullOrEmpty(o.Issuer) && !string.IsNullOrEmpty(o.Audience),
                "LiveVote:Tokens needs an issuer, an audience and a positive lifetime.")
            .ValidateOnStart();
        builder.Services.AddSingleton(services =>
        {
            var file = services.GetRequiredService<IOptions<StorageOptions>>().Value.SecretsFile;
            var secrets = ServerSecrets.Load(services.GetRequiredService<IOptions<SecretsOptions>>().Value, file,
                services.GetRequiredService<IOptions<Audit.Signing.AuditSigningOptions>>().Value.SigningKey);
            if (secrets.GeneratedFile is { } generated)
            {
                LogGeneratedSecrets(services.GetRequiredService<ILoggerFactory>().CreateLogger("LiveVote.Server.Security"), generated);
            }

            return secrets;
        });
        builder.AddViewerTokens();

        // Load (or generate) the secrets at start, not at the first request: bad ones stop the server at once.
        builder.Services.AddHostedService<SecretsLoader>();
        return builder;
    }

    public static WebApplicationBuilder AddIngest(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<IngestOptions>().BindConfiguration(IngestOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<IngestPartitions>();
        builder.Services.AddHostedService(services => services.GetRequiredService<IngestPartitions>());

        // Partition 0's queue takes the audit notes (risk decisions, lockouts) and its writer answers for the node's
        // liveness; the router knows every partition's queue.
        builder.Services.AddSingleton(services => services.GetRequiredService<IngestPartitions>().Queues[0]);
        builder.Services.AddSingleton(services => services.GetRequiredService<IngestPartitions>().Writers[0]);
        builder.Services.AddSingleton(services => new IngestRouter(
            services.GetRequiredService<IngestPartitions>().Queues, services.GetRequiredService<ILogger<IngestRouter>>()));
        builder.Services.AddSingleton<VoteCompletionPool>();

        // Every partition's queue for the gauges and the console, and its writer and store for readiness, in partition order.
        builder.Services.AddSingleton(services => new IngestQueueDepths(services.GetRequiredService<IngestPartitions>().Queues));
        builder.Services.AddSingleton(services => new StoreProbes(services.GetRequiredService<IngestPartitions>().Writers.Select(
            (writer, partition) => new StoreProbe(() => writer.IsRunning, services.GetRequiredService<StoreClusters>()[partition].PingAsync))));
        return builder;
    }

    /// <summary>The polls as this node knows them, and their changes through the writer.</summary>
    public static WebApplicationBuilder AddPolls(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<PollRegistry>();
        builder.Services.AddSingleton<PollAdmin>();
        builder.Services.AddSingleton<PollFanOut>();
        builder.Services.AddOptions<PublicUrlOptions>().BindConfiguration(PublicUrlOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<PublicUrlOptions>>(new ValidatePublicUrl());
        builder.Services.AddSingleton<PollLinks>();
        return builder;
    }

    /// <summary>What the vote endpoint needs: voter keys from the server's secret, and its services resolved once.</summary>
    public static WebApplicationBuilder AddVotes(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(services => new VoterKeyDeriver(services.GetRequiredService<ServerSecrets>().VoterKeySecret));
        builder.Services.AddSingleton(services => new VoterSecretWrapping(services.GetRequiredService<ServerSecrets>().VoterKeySecret));
        builder.Services.AddSingleton<PollVoterKeys>();
        builder.Services.AddSingleton<VoteAnswers>();
        builder.Services.AddSingleton<VoteIngress>();
        return builder;
    }

    public static WebApplicationBuilder AddResults(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ResultsOptions>().BindConfiguration(ResultsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<ResultsHub>();
        builder.Services.AddOptions<StreamLimitOptions>().BindConfiguration(StreamLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<StreamLimiter>();
        builder.Services.AddHostedService<ResultsPublisher>();
        builder.Services.AddHostedService<StreamKeepAlive>();
        return builder;
    }

    public static WebApplicationBuilder AddDemoPoll(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<DemoOptions>().BindConfiguration(DemoOptions.Section);
        builder.Services.AddHostedService<DemoPollSeeder>();
        return builder;
    }

    /// <summary>Start-up check of <c>LiveVote:PublicBaseUrl</c>, with the exact reason when it cannot be used.</summary>
    private sealed class ValidatePublicUrl : IValidateOptions<PublicUrlOptions>
    {
        public ValidateOptionsResult Validate(string? name, PublicUrlOptions options) =>
            options.Problem() is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
    }

    private sealed class SecretsLoader(ServerSecrets secrets, ViewerTokens tokens) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) =>
            secrets.AdminKeyBytes.Length > 0 && tokens.KeyId.Length > 0 ? Task.CompletedTask : throw new InvalidOperationException("No secrets.");

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Secrets not configured: generated ones are kept in {File} (the admin key is its adminKey). Configure LiveVote:AdminKey, LiveVote:TokenSigningKey, LiveVote:VoterKeySecret and LiveVote:CaptchaHmacKey in production.")]
    private static partial void LogGeneratedSecrets(ILogger logger, string file);
}
