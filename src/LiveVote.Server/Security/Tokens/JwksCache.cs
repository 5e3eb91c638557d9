using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Security.Tokens;

/// <summary>
/// The external issuer's keys, held in memory so that checking a token never waits on the network: the vote path reads
/// <see cref="Keys"/>, and <see cref="JwksRefresher"/> fetches the document at start, then periodically and early when a
/// token names a key we do not have. A failed or empty fetch keeps the keys we had.
/// </summary>
public sealed partial class JwksCache(IHttpClientFactory http, IOptions<ExternalTokenOptions> options, TimeProvider time, ILogger<JwksCache> logger)
{
    public const string HttpClientName = "LiveVote.Jwks";

    /// <summary>A JWKS is a few KiB; anything much larger is not one.</summary>
    public const int MaxDocumentBytes = 256 * 1024;

    private readonly Channel<bool> _refreshRequests = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private volatile JwksKeySet _keys = JwksKeySet.Empty;
    private long _lastFetchTicks;

    public JwksKeySet Keys => _keys;

    /// <summary>When the document was last fetched (successfully or not); the refresher spaces fetches from it.</summary>
    public DateTimeOffset LastFetchAt => new(Interlocked.Read(ref _lastFetchTicks), TimeSpan.Zero);

    internal ChannelReader<bool> RefreshRequests => _refreshRequests.Reader;

    /// <summary>Asks for an early fetch (a token named an unknown key). Never blocks; requests made meanwhile merge.</summary>
    public void RequestRefresh() => _refreshRequests.Writer.TryWrite(true);

    public async Task<bool> RefreshAsync(CancellationToken cancellationToken)
    {
        var url = options.Value.JwksUrl!;
        Interlocked.Exchange(ref _lastFetchTicks, time.GetUtcNow().UtcTicks);
        try
        {
            using var client = http.CreateClient(HttpClientName);
            using var response = await client.GetAsync(new Uri(url), HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                LogFetchFailed(logger, url, $"HTTP {(int)response.StatusCode}");
                return false;
            }

            var keys = JwksKeySet.Parse(await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false));
            if (keys.Count == 0)
            {
                LogFetchFailed(logger, url, "no usable RS256/ES256 signing key");
                return false;
            }

            _keys = keys;
            LogFetched(logger, keys.Count, url);
            return true;
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or InvalidOperationException ||
                                  (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // Unreachable, too slow, too large or not JSON: keep what we have and try again later.
            LogFetchFailed(logger, url, e.GetType().Name);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded {Count} external token key(s) from {Url}.")]
    private static partial void LogFetched(ILogger logger, int count, string url);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not load the external issuer's keys from {Url}: {Reason}. Keeping the keys already loaded.")]
    private static partial void LogFetchFailed(ILogger logger, string url, string reason);
}
