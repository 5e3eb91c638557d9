using System.Data.Common;
using System.Globalization;
using LiveVote.Server.Storage;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Telemetry;

/// <summary>
/// The fleet's console figures. Each node stores its counts (<see cref="LiveStats.Totals"/> plus what it had stored
/// before its last start) under its name every <see cref="ReportInterval"/>, and on start continues from its stored
/// row, so a restart does not reset them; <see cref="ReadAsync"/> sums every node's row. A crash loses at most the
/// last interval's counts of that node; a clean stop stores them. The counts are the console's figures, not the
/// result: votes are counted by the store's tallies, never from here.
/// </summary>
internal sealed partial class FleetCounters(
    LiveStats stats,
    INodeCounterStore store,
    IOptions<TelemetryOptions> options,
    IServer server,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<FleetCounters> logger) : BackgroundService
{
    public static readonly TimeSpan ReportInterval = TimeSpan.FromSeconds(1);

    /// <summary>A node whose row is older than this is not running (or cannot reach the store): its votes/s is not counted.</summary>
    public static readonly TimeSpan ReportingWindow = TimeSpan.FromSeconds(10);

    /// <summary>A stopping node's last write may take this long, then the stop goes on without it.</summary>
    private static readonly TimeSpan FinalWriteTimeout = TimeSpan.FromSeconds(2);

    // Set once the node's stored row is read: until then nothing is written, or a restart would overwrite its counts.
    private volatile Resumed? _resumed;
    private bool _failing;

    /// <summary>The fleet's figures, this node's as they stand now (not as last stored); null when the store cannot answer.</summary>
    public async Task<FleetStatsDto?> ReadAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<NodeCounters> rows;
        try
        {
            rows = await store.ReadAllAsync(cancellationToken);
        }
        catch (Exception e) when (e is DbException or TimeoutException)
        {
            LogReadFailed(logger, e.Message);
            return null;
        }

        var now = time.GetUtcNow();
        if (Current(now) is { } own)
        {
            rows = [.. rows.Where(r => r.Node != own.Node), own];
        }

        var reporting = rows.Where(r => now - r.UpdatedAt <= ReportingWindow).ToList();
        return new FleetStatsDto(
            rows.Count, reporting.Count, reporting.Sum(r => r.VotesPerSecond),
            rows.Sum(r => r.Accepted), rows.Sum(r => r.Repeated), rows.Sum(r => r.Throttled), rows.Sum(r => r.Flagged), now);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            // The default name holds the port the node listens on, known once the server started.
            await WhenStartedAsync(stoppingToken);
            var name = NodeName();
            var stored = await ReadOwnRowAsync(name, stoppingToken);
            _resumed = new Resumed(name, stored);
            LogResumed(logger, name, stored?.Accepted ?? 0);
            using var timer = new PeriodicTimer(ReportInterval, time);
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await WriteAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        if (_resumed is not null)
        {
            // The counts since the last tick, on a clean stop.
            using var final = new CancellationTokenSource(FinalWriteTimeout);
            await WriteAsync(final.Token);
        }
    }

    /// <summary>This node's row as it stands now: what it stored at its start plus what it counted since.</summary>
    private NodeCounters? Current(DateTimeOffset now)
    {
        if (_resumed is not { } resumed)
        {
            return null;
        }

        var live = stats.Totals();
        var before = resumed.Stored;
        return new NodeCounters(resumed.Node,
            (before?.Accepted ?? 0) + live.Accepted, (before?.Repeated ?? 0) + live.Repeated,
            (before?.Throttled ?? 0) + live.Throttled, (before?.Flagged ?? 0) + live.Flagged,
            live.VotesPerSecond, now);
    }

    private async Task WriteAsync(CancellationToken cancellationToken)
    {
        try
        {
            await store.WriteAsync(Current(time.GetUtcNow())!, cancellationToken);
            if (_failing)
            {
                _failing = false;
                LogWriteRecovered(logger);
            }
        }
        catch (Exception e) when (e is DbException or TimeoutException or OperationCanceledException)
        {
            // Figures, not votes: the next tick writes the counts again. One line per outage, not one a second.
            if (!_failing)
            {
                _failing = true;
                LogWriteFailed(logger, e.Message);
            }
        }
    }

    /// <summary>The node's stored row, asked again every interval until the store answers (it may still be starting).</summary>
    private async Task<NodeCounters?> ReadOwnRowAsync(string name, CancellationToken stoppingToken)
    {
        while (true)
        {
            try
            {
                return await store.ReadAsync(name, stoppingToken);
            }
            catch (Exception e) when (e is DbException or TimeoutException)
            {
                if (!_failing)
                {
                    _failing = true;
                    LogWriteFailed(logger, e.Message);
                }

                await Task.Delay(ReportInterval, time, stoppingToken);
            }
        }
    }

    private string NodeName()
    {
        if (options.Value.NodeName is { Length: > 0 } configured)
        {
            return configured;
        }

        // The first address the server listens on: two nodes on one machine differ by their ports.
        var port = server.Features.Get<IServerAddressesFeature>()?.Addresses
            .Select(address => Uri.TryCreate(address.Replace("://+", "://localhost", StringComparison.Ordinal).Replace("://*", "://localhost", StringComparison.Ordinal),
                UriKind.Absolute, out var uri) ? uri.Port : (int?)null)
            .FirstOrDefault(p => p is not null);
        return port is { } p ? Environment.MachineName + ":" + p.ToString(CultureInfo.InvariantCulture) : Environment.MachineName;
    }

    private Task WhenStartedAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        return started.Task.WaitAsync(stoppingToken);
    }

    private sealed record Resumed(string Node, NodeCounters? Stored);

    [LoggerMessage(Level = LogLevel.Information, Message = "Console figures stored as node {Node}, resuming from {Accepted} accepted votes.")]
    private static partial void LogResumed(ILogger logger, string node, long accepted);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The node's console figures could not be stored (the fleet's figures lag until they are): {Reason}")]
    private static partial void LogWriteFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "The node's console figures are stored again.")]
    private static partial void LogWriteRecovered(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The fleet's console figures could not be read: {Reason}")]
    private static partial void LogReadFailed(ILogger logger, string reason);
}
