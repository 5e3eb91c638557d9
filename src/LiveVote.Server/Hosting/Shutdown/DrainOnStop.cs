using Microsoft.Extensions.Options;

namespace LiveVote.Server.Hosting.Shutdown;

/// <summary>
/// Draining (the contract with the playbooks and manifests). On SIGTERM the host first signals ApplicationStopping,
/// then calls every <see cref="IHostedLifecycleService.StoppingAsync"/>, and only then the services' StopAsync, where
/// Kestrel stops accepting connections and finishes the requests in flight, and the writers commit what is queued.
/// So: draining begins at ApplicationStopping (readiness 503 at once), and StoppingAsync waits
/// <see cref="ShutdownOptions.DrainDelay"/> while everything is still served; then shutdown goes on as before.
/// </summary>
internal sealed partial class DrainOnStop(
    Draining draining, IHostApplicationLifetime lifetime, IOptions<ShutdownOptions> options, TimeProvider time, ILogger<DrainOnStop> logger)
    : IHostedLifecycleService
{
    private CancellationTokenRegistration _stopping;

    public Task StartingAsync(CancellationToken cancellationToken)
    {
        _stopping = lifetime.ApplicationStopping.Register(Begin);
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        Begin();
        var delay = options.Value.DrainDelay;
        if (delay > TimeSpan.Zero)
        {
            // The host's shutdown timeout was lengthened by the delay (DrainingSetup), so the token only fires if
            // something else asks to stop harder; then the node stops at once, as without a delay.
            try
            {
                await Task.Delay(delay, time, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                LogDrainCut(logger);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken)
    {
        _stopping.Dispose();
        return Task.CompletedTask;
    }

    private void Begin()
    {
        if (draining.Begin())
        {
            LogDraining(logger, options.Value.DrainDelay);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Draining: readiness answers 503, requests are served for {DrainDelay} more, then the node stops")]
    private static partial void LogDraining(ILogger logger, TimeSpan drainDelay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Drain delay cut short by the shutdown timeout")]
    private static partial void LogDrainCut(ILogger logger);
}
