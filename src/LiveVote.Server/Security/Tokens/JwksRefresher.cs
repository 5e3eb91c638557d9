using Microsoft.Extensions.Options;

namespace LiveVote.Server.Security.Tokens;

/// <summary>
/// Keeps <see cref="JwksCache"/> fresh. The first fetch happens before the server takes requests, so external tokens
/// work from the first vote; then every <see cref="ExternalTokenOptions.RefreshInterval"/>, or early on request, but
/// never more often than <see cref="ExternalTokenOptions.MinRefreshInterval"/>. Does nothing when no issuer is configured.
/// </summary>
internal sealed class JwksRefresher(JwksCache cache, IOptions<ExternalTokenOptions> options, TimeProvider time) : BackgroundService
{
    private bool _lastFetchWorked;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.Enabled)
        {
            // A failure does not stop the server: our own tokens still work, and the loop below retries.
            _lastFetchWorked = await cache.RefreshAsync(cancellationToken).ConfigureAwait(false);
        }

        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.Enabled)
        {
            return;
        }

        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await WaitForRequestAsync(_lastFetchWorked ? settings.RefreshInterval : settings.MinRefreshInterval, stoppingToken).ConfigureAwait(false);
                var sinceLast = time.GetUtcNow() - cache.LastFetchAt;
                if (sinceLast < settings.MinRefreshInterval)
                {
                    await Task.Delay(settings.MinRefreshInterval - sinceLast, time, stoppingToken).ConfigureAwait(false);
                }

                _lastFetchWorked = await cache.RefreshAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Returns on an early-refresh request or when <paramref name="wait"/> has passed, whichever comes first.</summary>
    private async Task WaitForRequestAsync(TimeSpan wait, CancellationToken stoppingToken)
    {
        using var timeout = new CancellationTokenSource(wait, time);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, timeout.Token);
        try
        {
            await cache.RefreshRequests.ReadAsync(either.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
        }
    }
}
