using Microsoft.Extensions.Options;

namespace LiveVote.Server.Security.Tokens;

/// <summary>
/// Keeps <see cref="ExternalIssuerKeys"/> fresh. The first fetch happens before the server takes requests, so external
/// tokens work from the first vote; then every <see cref="ExternalTokenOptions.RefreshInterval"/>, or early on request,
/// but never more often than <see cref="ExternalTokenOptions.MinRefreshInterval"/>, which is also the retry delay while
/// no keys are loaded. Does nothing when no issuer is configured.
/// </summary>
internal sealed class ExternalKeysRefresher(ExternalIssuerKeys keys, IOptions<ExternalTokenOptions> options, TimeProvider time) : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.Enabled)
        {
            // A failure does not stop the server: our own tokens still work, and the loop below retries.
            await keys.RefreshAsync(cancellationToken).ConfigureAwait(false);
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

        var minInterval = settings.EffectiveMinRefreshInterval;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await WaitForRequestAsync(keys.HasKeys ? settings.RefreshInterval : minInterval, stoppingToken).ConfigureAwait(false);
                var sinceLast = time.GetUtcNow() - keys.LastFetchAt;
                if (sinceLast < minInterval)
                {
                    await Task.Delay(minInterval - sinceLast, time, stoppingToken).ConfigureAwait(false);
                }

                await keys.RefreshAsync(stoppingToken).ConfigureAwait(false);
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
            await keys.RefreshRequests.ReadAsync(either.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
        }
    }
}
