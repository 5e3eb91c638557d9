using Microsoft.Extensions.Options;

namespace LiveVote.Server.Results;

/// <summary>Publishes pending results at most once per <see cref="ResultsOptions.PublishIntervalMs"/>.</summary>
internal sealed class ResultsPublisher(ResultsHub hub, IOptions<ResultsOptions> options, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromMilliseconds(options.Value.PublishIntervalMs);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await hub.WaitForChangeAsync(stoppingToken);
                using (var activity = Telemetry.LiveVoteTelemetry.Source.StartActivity("livevote.results.publish"))
                {
                    // Publish first: inside activity?.SetTag(...) the call would be skipped whenever tracing is off.
                    var published = hub.PublishPending();
                    activity?.SetTag("livevote.results.polls", published);
                }

                // Coalesce: changes in the next interval go out together in the next snapshot.
                await Task.Delay(interval, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
