using System.Security.Cryptography;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.Configuration;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace LiveVote.Server.Security.Tokens;

/// <summary>
/// The external issuer's signing keys, held in memory so that checking a token never waits on the network. Microsoft's
/// <c>ConfigurationManager</c> fetches and caches the issuer's configuration (a bare JWKS, or a discovery document and
/// the JWKS it names) through <see cref="IssuerDocuments"/>; this class plugs into it (retrieval with logging,
/// validation: at least one usable key, else the keys we had stay; update notification) and publishes each new key set
/// as <see cref="Find"/>'s answers. Only <see cref="ExternalKeysRefresher"/> makes it fetch, never a request: a token
/// naming an unknown key merely asks for an early fetch (<see cref="RequestRefresh"/>).
/// <para>Usable keys: RSA of at least 2048 bits (RS256) and P-256 EC (ES256), of <c>use</c> "sig" or none, whose
/// published <c>alg</c>, if any, is the one they verify; a key verifies no other algorithm (<see cref="AlgorithmOf"/>).</para>
/// </summary>
public sealed partial class ExternalIssuerKeys :
    IConfigurationRetriever<OpenIdConnectConfiguration>,
    IConfigurationValidator<OpenIdConnectConfiguration>,
    IConfigurationEventHandler<OpenIdConnectConfiguration>
{
    private readonly ConfigurationManager<OpenIdConnectConfiguration>? _manager;
    private readonly IConfigurationRetriever<OpenIdConnectConfiguration> _retriever;
    private readonly string _address;
    private readonly TimeProvider _time;
    private readonly ILogger<ExternalIssuerKeys> _logger;
    private readonly Channel<bool> _refreshRequests = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private volatile SecurityKey[] _keys = [];
    private OpenIdConnectConfiguration? _published;
    private long _lastFetchTicks;

    public ExternalIssuerKeys(IOptions<ExternalTokenOptions> options, IHttpClientFactory http, TimeProvider time, ILogger<ExternalIssuerKeys> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        var settings = options.Value;
        _time = time;
        _logger = logger;
        _address = settings.DocumentUrl ?? "";
        _retriever = settings.UsesDiscovery ? new OpenIdConnectConfigurationRetriever() : new JwksRetriever();
        if (settings.Enabled)
        {
            _manager = new ConfigurationManager<OpenIdConnectConfiguration>(_address, this, new IssuerDocuments(http), this)
            {
                // The refresher spaces fetches by the same interval; the manager refusing closer ones too is a second guard.
                RefreshInterval = settings.EffectiveMinRefreshInterval,
                ConfigurationEventHandler = this,
            };
        }
    }

    public bool HasKeys => _keys.Length > 0;

    /// <summary>When a fetch was last asked for (successful or not); the refresher spaces fetches from it.</summary>
    public DateTimeOffset LastFetchAt => new(Interlocked.Read(ref _lastFetchTicks), TimeSpan.Zero);

    internal ChannelReader<bool> RefreshRequests => _refreshRequests.Reader;

    /// <summary>The algorithm a usable key verifies, or null: RS256 for RSA of at least 2048 bits, ES256 for P-256.</summary>
    public static string? AlgorithmOf(SecurityKey key) => key switch
    {
        RsaSecurityKey { KeySize: >= 2048 } => SecurityAlgorithms.RsaSha256,
        X509SecurityKey { PublicKey: RSA { KeySize: >= 2048 } } => SecurityAlgorithms.RsaSha256,

        // The library builds EC keys of the P-256, P-384 and P-521 curves only: 256 bits is P-256.
        ECDsaSecurityKey { KeySize: 256 } => SecurityAlgorithms.EcdsaSha256,
        _ => null,
    };

    /// <summary>The loaded keys with this key id (none for an unknown or missing one).</summary>
    public IEnumerable<SecurityKey> Find(string? keyId) =>
        string.IsNullOrEmpty(keyId) ? [] : Array.FindAll(_keys, key => string.Equals(key.KeyId, keyId, StringComparison.Ordinal));

    /// <summary>Asks for an early fetch (a token named an unknown key). Never blocks; requests made meanwhile merge.</summary>
    public void RequestRefresh() => _refreshRequests.Writer.TryWrite(true);

    /// <summary>
    /// Fetches (called by the refresher only). Without keys it waits for the documents; with keys it asks the manager
    /// for a refresh, which the manager runs on a task of its own (or, under its blocking switch, in the call below),
    /// keeping these keys until a set with a usable key arrives. A failure is logged where it happens.
    /// </summary>
    internal async Task RefreshAsync(CancellationToken cancellationToken)
    {
        if (_manager is null)
        {
            return;
        }

        try
        {
            if (HasKeys)
            {
                _manager.RequestRefresh();
            }

            Publish(await _manager.GetConfigurationAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (InvalidOperationException)
        {
            // No keys could be loaded yet: the reason was logged where it arose (the retrieval or Validate below).
        }
        finally
        {
            // Marked after the manager has noted its own request, so our spacing never undercuts its RefreshInterval.
            Interlocked.Exchange(ref _lastFetchTicks, _time.GetUtcNow().UtcTicks);
        }
    }

    async Task<OpenIdConnectConfiguration> IConfigurationRetriever<OpenIdConnectConfiguration>.GetConfigurationAsync(
        string address, IDocumentRetriever retriever, CancellationToken cancel)
    {
        try
        {
            return await _retriever.GetConfigurationAsync(address, retriever, cancel).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancel.IsCancellationRequested)
        {
            // Unreachable, an error status, too slow, too large, not https or not JSON. The library's messages hide
            // personal data (IdentityModelEventSource.ShowPII stays false), so the message is safe to log.
            LogFetchFailed(_logger, address, e.Message);
            throw;
        }
    }

    ConfigurationValidationResult IConfigurationValidator<OpenIdConnectConfiguration>.Validate(OpenIdConnectConfiguration configuration)
    {
        if (UsableKeys(configuration).Length > 0)
        {
            return new ConfigurationValidationResult { Succeeded = true };
        }

        LogFetchFailed(_logger, _address, "no usable RS256/ES256 signing key");
        return new ConfigurationValidationResult { Succeeded = false, ErrorMessage = "The issuer publishes no usable RS256/ES256 signing key." };
    }

    Task<ConfigurationEventHandlerResult<OpenIdConnectConfiguration>> IConfigurationEventHandler<OpenIdConnectConfiguration>.BeforeRetrieveAsync(
        string metadataAddress, CancellationToken cancellationToken) =>
        Task.FromResult(ConfigurationEventHandlerResult<OpenIdConnectConfiguration>.NoResult);

    Task IConfigurationEventHandler<OpenIdConnectConfiguration>.AfterUpdateAsync(
        string metadataAddress, OpenIdConnectConfiguration configuration, CancellationToken cancellationToken)
    {
        Publish(configuration);
        return Task.CompletedTask;
    }

    private void Publish(OpenIdConnectConfiguration configuration)
    {
        // The manager announces each update on a task of its own and RefreshAsync sees the same one: publish it once.
        if (ReferenceEquals(Interlocked.Exchange(ref _published, configuration), configuration))
        {
            return;
        }

        var usable = UsableKeys(configuration);
        if (usable.Length > 0)
        {
            _keys = usable;
            LogLoaded(_logger, usable.Length, _address);
        }
    }

    private static SecurityKey[] UsableKeys(OpenIdConnectConfiguration configuration) =>
    [
        .. configuration.SigningKeys.Where(key =>
            !string.IsNullOrEmpty(key.KeyId) && AlgorithmOf(key) is { } algorithm &&
            configuration.JsonWebKeySet?.Keys.Any(published =>
                published.Kid == key.KeyId && !string.IsNullOrEmpty(published.Alg) && published.Alg != algorithm) != true),
    ];

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded {Count} external token key(s) from {Url}.")]
    private static partial void LogLoaded(ILogger logger, int count, string url);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not load the external issuer's keys from {Url}: {Reason}. Keeping the keys already loaded.")]
    private static partial void LogFetchFailed(ILogger logger, string url, string reason);
}
