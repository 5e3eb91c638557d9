using Microsoft.Extensions.Options;

namespace LiveVote.Server.Results;

/// <summary>
/// One timer for every results stream: each <see cref="ResultsOptions.KeepAliveSeconds"/> it wakes all subscribers, and
/// a stream with nothing new to send writes a keep-alive comment, so no stream stays silent longer than that. A timer
/// (and a linked token source) per stream cost each of 19,000 streams memory and a timer-queue entry. It also wakes
/// every subscriber and ends every results stream when the server begins to stop, so each stream ends at once instead
/// of holding the shutdown.
/// </summary>
internal sealed class StreamKeepAlive(ResultsHub hub, IOptions<ResultsOptions> options, IHostApplicationLifetime lifetime, TimeProvider time)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // ApplicationStopping is cancelled before hosted services stop: the streams end while Kestrel drains.
        using var onStopping = lifetime.ApplicationStopping.Register(static state =>
        {
            var results = (ResultsHub)state!;
            results.EndStreams();
            results.WakeAll();
        }, hub);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.KeepAliveSeconds), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                hub.WakeAll();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
