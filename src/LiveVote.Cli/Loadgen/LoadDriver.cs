namespace LiveVote.Cli.Loadgen;

/// <summary>Sends the votes for the run's duration, closed-loop or open-loop, recording each vote's latency.</summary>
internal sealed class LoadDriver(LoadgenSettings settings, VoteBook book, VoteSender sender, LatencyRecorder writes, TimeProvider time)
{
    /// <summary>Runs until the duration ends or every viewer has voted; returns how long votes were sent.</summary>
    public async Task<TimeSpan> RunAsync(CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stop.CancelAfter(settings.Duration);
        if (settings.Mode == LoadMode.Closed)
        {
            await Task.WhenAll(Enumerable.Range(0, settings.Connections).Select(c => ConnectionLoopAsync(settings.Seed + c, stop.Token, cancellationToken))).ConfigureAwait(false);
        }
        else
        {
            await OpenLoopAsync(stop.Token, cancellationToken).ConfigureAwait(false);
        }

        return time.GetElapsedTime(started);
    }

    /// <summary>One connection's worth of closed loop: the next vote leaves when the previous one is answered.</summary>
    private async Task ConnectionLoopAsync(int seed, CancellationToken stop, CancellationToken abort)
    {
        await Task.Yield();
        var random = new Random(seed);
        while (!stop.IsCancellationRequested && book.TryNext(random, out var order))
        {
            var sent = time.GetTimestamp();
            // A vote in flight when the duration ends is finished (abort only on Ctrl+C): it may already be stored.
            await sender.SendAsync(order, abort).ConfigureAwait(false);
            writes.Record(time.GetElapsedTime(sent));
        }
    }

    /// <summary>
    /// Constant arrival rate: vote i is due at start + i / rate whether or not earlier ones were answered, and its
    /// latency counts from that due time, so a stalled server shows as latency instead of as fewer requests sent
    /// (no coordinated omission). The connection pool (at most C connections) queues what it cannot send yet.
    /// </summary>
    private async Task OpenLoopAsync(CancellationToken stop, CancellationToken abort)
    {
        var random = new Random(settings.Seed);
        var started = time.GetTimestamp();
        var ticksPerVote = TimeSpan.TicksPerSecond / settings.Rate;
        var inFlight = new List<Task>();
        long issued = 0;
        while (!stop.IsCancellationRequested)
        {
            var due = (long)(time.GetElapsedTime(started).Ticks / ticksPerVote) + 1;
            for (; issued < due; issued++)
            {
                if (!book.TryNext(random, out var order))
                {
                    await Task.WhenAll(inFlight).ConfigureAwait(false);
                    return;
                }

                var intended = started + (long)(issued * ticksPerVote * time.TimestampFrequency / TimeSpan.TicksPerSecond);
                inFlight.Add(SendScheduledAsync(order, intended, abort));
            }

            inFlight.RemoveAll(t => t.IsCompleted);
            await Task.Delay(TimeSpan.FromMilliseconds(1), time, stop).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        }

        await Task.WhenAll(inFlight).ConfigureAwait(false);
    }

    private async Task SendScheduledAsync(VoteOrder order, long intendedTimestamp, CancellationToken abort)
    {
        await Task.Yield();
        await sender.SendAsync(order, abort).ConfigureAwait(false);
        writes.Record(time.GetElapsedTime(intendedTimestamp));
    }
}
