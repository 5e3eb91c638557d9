using System.Collections.Concurrent;
using LiveVote.Server.Ingest;

namespace LiveVote.Server.Polls;

/// <summary>
/// A producer's change as sent to every partition: one time, one frozen count and one operator for all of them. A
/// background catch-up step has no operator (nobody pressed for it).
/// </summary>
internal sealed record PollChange(PollCommandKind Kind, string PollId, Poll? Definition, DateTimeOffset At, long[]? FrozenTotals, string? Operator = null)
{
    public PollCommand Command() => new(Kind, PollId, Definition, At, FrozenTotals) { Operator = Operator };
}

/// <summary>
/// Sends a poll change to every partition's writer and answers once each cluster committed it. The change is idempotent
/// by poll id and target state: a cluster already in the state the change leads to (a press repeated after a 503, a
/// background retry that got there first) counts as done. A cluster that failed (in failover) is brought to the state
/// the others reached in the background (<see cref="CatchUpAsync"/>), one step at a time, while the producer is
/// answered 503 and may press again; no cluster accepts a vote after its own close, whatever the others do.
/// </summary>
internal sealed partial class PollFanOut(
    IngestRouter router, PollRegistry polls, PartitionPolls views, TimeProvider time, IHostApplicationLifetime lifetime, ILogger<PollFanOut> logger,
    Storage.StoreClusters? stores = null)
{
    /// <summary>
    /// With a shared store, how long a change waits for this node's views to learn of a poll another node created or
    /// changed moments ago (the refresh reads every cluster every 200 ms by default): without it, a delete pressed on
    /// node B just after the create on node A found the draft in one cluster's view and not yet in the other's, and the
    /// producer got 503 for a change that only had to wait one refresh. 1 s covers a few refreshes; a cluster really
    /// failing is then handled as before (503 and catch-up).
    /// </summary>
    private static readonly TimeSpan ArrivalWait = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan ArrivalCheck = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Pause between catch-up tries: a Patroni failover ends within about 30 s (docs/design.md, 10.2), so a try every
    /// second catches the new primary soon after and costs nothing meanwhile (a failed batch is answered at once).
    /// </summary>
    private static readonly TimeSpan RetryPause = TimeSpan.FromSeconds(1);

    /// <summary>Most catch-up steps one poll's partition takes (create, open, freeze, release, close, ...): ends a loop on a poll that keeps changing.</summary>
    private const int MaxCatchUpSteps = 32;

    /// <summary>
    /// How long a partition may lag the others on a poll before a refresh starts its catch-up: a fan-out in progress
    /// lags by one commit (milliseconds), a failed one is already being caught up by its sender; 5 s means nobody is.
    /// </summary>
    internal static readonly TimeSpan StuckAfter = TimeSpan.FromSeconds(5);

    // (poll, partition) pairs a catch-up is running for: pressing again does not start a second one.
    private readonly ConcurrentDictionary<(string PollId, int Partition), byte> _catchingUp = new();

    // When each (poll, partition) was first seen behind the others by a refresh.
    private readonly ConcurrentDictionary<(string PollId, int Partition), long> _behindSince = new();

    public async Task<PollCommandResult> SendAsync(PollChange change, CancellationToken cancellationToken)
    {
        if (change.Kind != PollCommandKind.Create && stores is { Shared.Count: > 0 })
        {
            await AwaitArrivalAsync(change.PollId, cancellationToken);
        }

        // A poll lives in the partitions it is spread over; one the node does not know goes to all (they say if they have it).
        var spread = change.Definition?.PartitionCount ?? (polls.TryGet(change.PollId, out var known) ? known.PartitionCount : router.PartitionCount);
        var commands = new PollCommand[Math.Min(spread, router.PartitionCount)];
        for (var p = 0; p < commands.Length; p++)
        {
            commands[p] = change.Command();
            try
            {
                await router.EnqueuePollCommandAsync(p, commands[p], cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // The producer left while a queue was full: the partitions that got the change keep it; the rest catch up.
                for (var rest = p; rest < commands.Length; rest++)
                {
                    StartCatchUp(change.PollId, rest);
                }

                throw;
            }
        }

        var answers = await Task.WhenAll(commands.Select(c => c.Done));
        return Settle(change, answers);
    }

    /// <summary>
    /// Waits (at most <see cref="ArrivalWait"/>) until every partition the poll is spread over holds it in this node's
    /// views; a poll no partition holds is waited for too (it may have been created elsewhere a moment ago).
    /// </summary>
    private async Task AwaitArrivalAsync(string pollId, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        while (time.GetElapsedTime(started) < ArrivalWait)
        {
            var spread = 0;
            var holders = 0;
            for (var p = 0; p < views.Count; p++)
            {
                if (views.View(p).TryGetHeld(pollId, out var held))
                {
                    holders++;
                    spread = Math.Max(spread, Math.Min(held.PartitionCount, views.Count));
                }
            }

            if (holders > 0 && holders >= spread)
            {
                return;
            }

            await Task.Delay(ArrivalCheck, time, cancellationToken);
        }
    }

    /// <summary>One answer for the producer from every partition's answer.</summary>
    private PollCommandResult Settle(PollChange change, PollCommandResult[] answers)
    {
        var done = 0;
        var behind = new List<int>();
        for (var p = 0; p < answers.Length; p++)
        {
            var answer = answers[p];
            if (answer.Status is PollCommandStatus.Done or PollCommandStatus.AlreadyExists
                || (answer.Status == PollCommandStatus.InvalidTransition && answer.Poll is { } held && IsAlready(change.Kind, held)))
            {
                done++;
            }
            else if (answer.Status is PollCommandStatus.StoreFailed || (answer.Status == PollCommandStatus.NotFound && change.Kind != PollCommandKind.Create))
            {
                behind.Add(p);
            }
        }

        if (done == answers.Length)
        {
            // Every cluster holds the change: the node's view (their merge) is the poll now; a repeated create says so.
            return answers.All(a => a.Status == PollCommandStatus.AlreadyExists)
                ? answers[0]
                : new PollCommandResult(PollCommandStatus.Done, polls.TryGet(change.PollId, out var poll) ? poll : answers[0].Poll);
        }

        // Clusters that could not take the change (in failover), or lack the poll while others hold it, catch up in the
        // background once some cluster has it; the producer sees 503 and may press again.
        if (behind.Count > 0 && (done > 0 || answers.Any(a => a.Status == PollCommandStatus.StoreFailed)))
        {
            LogPartitionsBehind(logger, change.Kind, change.PollId, string.Join(',', behind));
            foreach (var p in behind)
            {
                StartCatchUp(change.PollId, p);
            }

            return new PollCommandResult(PollCommandStatus.StoreFailed, null);
        }

        // Refused everywhere alike (not found, not in a state the change starts from): the answer of one partition.
        return answers.FirstOrDefault(a => a.Status is not (PollCommandStatus.Done or PollCommandStatus.AlreadyExists), answers[0]);
    }

    /// <summary>Whether <paramref name="poll"/> is already in the state <paramref name="kind"/> leads to.</summary>
    internal static bool IsAlready(PollCommandKind kind, Poll poll) => kind switch
    {
        PollCommandKind.Open => poll.Status == PollStatus.Open,
        PollCommandKind.Close => poll.Status == PollStatus.Closed,
        PollCommandKind.FreezeResults => poll.Frozen is not null,
        PollCommandKind.ReleaseResults => poll.Frozen is null && poll.ResultsRevision > 0,
        PollCommandKind.ShowResultsToViewers => poll.ShowResultsToViewers,
        PollCommandKind.HideResultsFromViewers => !poll.ShowResultsToViewers,
        PollCommandKind.DestroyVoterKeys => poll.VoterKeysDestroyedAt is not null,
        PollCommandKind.Delete => poll.DeletedAt is not null,
        PollCommandKind.Archive => poll.ArchivedAt is not null,
        PollCommandKind.Unarchive => poll.Status == PollStatus.Closed && poll.ArchivedAt is null,
        PollCommandKind.RevealResults => !poll.ResultsHidden,
        PollCommandKind.HideResults => poll.ResultsHidden,
        _ => false,
    };

    /// <summary>
    /// The next change that brings a partition's state of a poll (<paramref name="held"/>, null: it lacks the poll)
    /// toward the most advanced state any partition holds (<paramref name="target"/>); null when there is none.
    /// </summary>
    internal static PollChange? NextStep(Poll? held, Poll target, DateTimeOffset now)
    {
        if (held is null)
        {
            var draft = target with
            {
                Status = PollStatus.Draft, OpenedAt = null, ClosedAt = null, Frozen = null, ResultsRevision = 0, ArchivedAt = null, DeletedAt = null,
            };
            return new PollChange(PollCommandKind.Create, target.Id, draft, target.CreatedAt, null);
        }

        // A draft edited elsewhere takes the definition the others have, then a deletion.
        // (Settings an edit also sets converge through their own steps below.)
        if (held.Status == PollStatus.Draft && held.DeletedAt is null
            && (held.Title != target.Title || held.Code != target.Code || !held.Options.SequenceEqual(target.Options)))
        {
            var edited = held with { Title = target.Title, Options = target.Options, Code = target.Code };
            return new PollChange(PollCommandKind.Edit, target.Id, edited, now, null);
        }

        if (held.DeletedAt is null && target.DeletedAt is { } deleted)
        {
            return new PollChange(PollCommandKind.Delete, target.Id, null, deleted, null);
        }

        if (held.Status == PollStatus.Draft && target.Status != PollStatus.Draft)
        {
            return new PollChange(PollCommandKind.Open, target.Id, null, target.OpenedAt ?? now, null);
        }

        if (held.Status == PollStatus.Open && target.Status == PollStatus.Closed)
        {
            return new PollChange(PollCommandKind.Close, target.Id, null, target.ClosedAt ?? now, null);
        }

        if (held.Status == PollStatus.Open && target.Status == PollStatus.Open && (held.Frozen is null) != (target.Frozen is null))
        {
            return target.Frozen is { } frozen
                ? new PollChange(PollCommandKind.FreezeResults, target.Id, null, frozen.At, [.. frozen.Totals])
                : new PollChange(PollCommandKind.ReleaseResults, target.Id, null, now, null);
        }

        if (held.ShowResultsToViewers != target.ShowResultsToViewers)
        {
            return new PollChange(
                target.ShowResultsToViewers ? PollCommandKind.ShowResultsToViewers : PollCommandKind.HideResultsFromViewers, target.Id, null, now, null);
        }

        if (held.ResultsHidden != target.ResultsHidden)
        {
            return new PollChange(target.ResultsHidden ? PollCommandKind.HideResults : PollCommandKind.RevealResults, target.Id, null, now, null);
        }

        if (held.Status == PollStatus.Closed && target.Status == PollStatus.Closed && (held.ArchivedAt is null) != (target.ArchivedAt is null))
        {
            return new PollChange(target.ArchivedAt is null ? PollCommandKind.Unarchive : PollCommandKind.Archive, target.Id, null, target.ArchivedAt ?? now, null);
        }

                // A partition still holding the secret of a poll whose secret another destroyed destroys it too.
        return held.Status == PollStatus.Closed && held.VoterKeysDestroyedAt is null && target.VoterKeysDestroyedAt is { } destroyed
            ? new PollChange(PollCommandKind.DestroyVoterKeys, target.Id, null, destroyed, null)
            : null;
    }

    private void StartCatchUp(string pollId, int partition)
    {
        if (_catchingUp.TryAdd((pollId, partition), 0))
        {
            _ = CatchUpAsync(pollId, partition);
        }
    }

    /// <summary>
    /// Brings one partition's cluster to the most advanced state of the poll that any partition holds, a step at a
    /// time, trying again every <see cref="RetryPause"/> while its store fails; ends when it is there, or at shutdown
    /// (another press, or any node's next change, starts it again).
    /// </summary>
    private async Task CatchUpAsync(string pollId, int partition)
    {
        var stopping = lifetime.ApplicationStopping;
        try
        {
            for (var step = 0; step < MaxCatchUpSteps && !stopping.IsCancellationRequested;)
            {
                await Task.Delay(RetryPause, time, stopping);
                if (Target(pollId) is not { } target
                    || NextStep(views.View(partition).TryGetHeld(pollId, out var held) ? held : null, target, time.GetUtcNow()) is not { } next)
                {
                    LogCaughtUp(logger, pollId, partition);
                    return;
                }

                var command = next.Command();
                await router.EnqueuePollCommandAsync(partition, command, stopping);
                var answer = await command.Done;
                if (answer.Status != PollCommandStatus.StoreFailed)
                {
                    step++;
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Shutting down: the next change of this poll from any node catches the partition up.
        }
        finally
        {
            _catchingUp.TryRemove((pollId, partition), out _);
        }
    }

    /// <summary>
    /// Starts a catch-up for every partition that has been behind the others on one of <paramref name="known"/> for longer
    /// than <see cref="StuckAfter"/>: a fan-out that a node left half done (it died, or the producer gave up) converges
    /// without waiting for the next press. Called after each refresh, which keeps the views current.
    /// </summary>
    public void CatchUpStuck(IEnumerable<Poll> known)
    {
        if (views.Count == 1)
        {
            return;
        }

        var now = time.GetTimestamp();
        var at = time.GetUtcNow();
        foreach (var poll in known)
        {
            if (Target(poll.Id) is not { } target)
            {
                continue;
            }

            for (var p = 0; p < Math.Min(target.PartitionCount, views.Count); p++)
            {
                var behind = NextStep(views.View(p).TryGetHeld(poll.Id, out var held) ? held : null, target, at) is not null;
                if (!behind)
                {
                    _behindSince.TryRemove((poll.Id, p), out _);
                }
                else if (time.GetElapsedTime(_behindSince.GetOrAdd((poll.Id, p), now), now) > StuckAfter)
                {
                    _behindSince.TryRemove((poll.Id, p), out _);
                    StartCatchUp(poll.Id, p);
                }
            }
        }
    }

    /// <summary>The most advanced state of the poll any partition it is spread over holds.</summary>
    private Poll? Target(string pollId)
    {
        Poll? most = null;
        for (var p = 0; p < Math.Min(views.Count, most?.PartitionCount ?? views.Count); p++)
        {
            if (views.View(p).TryGetHeld(pollId, out var poll) && p < poll.PartitionCount && (most is null || PollRegistry.IsOlder(most, poll)))
            {
                most = poll;
            }
        }

        return most;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Kind} of poll {PollId} is not yet in partition(s) {Partitions}: answered 503, and they catch up in the background")]
    private static partial void LogPartitionsBehind(ILogger logger, PollCommandKind kind, string pollId, string partitions);

    [LoggerMessage(Level = LogLevel.Information, Message = "Poll {PollId} in partition {Partition} caught up with the other partitions")]
    private static partial void LogCaughtUp(ILogger logger, string pollId, int partition);
}
