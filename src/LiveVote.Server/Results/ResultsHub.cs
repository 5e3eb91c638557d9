using System.Collections.Concurrent;
using System.IO.Pipelines;
using LiveVote.Server.Hosting;
using LiveVote.Server.Polls;

namespace LiveVote.Server.Results;

/// <summary>
/// Holds the latest committed totals of each poll and the published snapshot built from them, and fans snapshots out to
/// SSE subscribers. The writer reports committed state (<see cref="Report"/>); <see cref="ResultsPublisher"/> turns it
/// into a snapshot at most once per interval. Fan-out is one shared broadcast per poll, not a queue per subscriber: the
/// published snapshot, a wake-up task that is completed and replaced on each publication (for <see cref="Subscription"/>
/// cursors), and the poll's open results streams (<see cref="StreamSet"/>), which each publication writes one group of
/// streams per work item: an idle stream awaits nothing, and a slow client skips versions (it is always given the
/// newest) instead of building a backlog.
/// <para>
/// While the producer holds a poll's results frozen (<see cref="Poll.Frozen"/>), the published snapshot is the frozen
/// one and stays as it is (same version, same bytes) while reports keep the live count for the admin view
/// (<see cref="TryGetLive"/>); the release's report publishes the live count again.
/// </para>
/// <para>
/// While the producer hides a poll's results until a reveal (<see cref="Poll.ResultsHidden"/>), the published snapshot
/// carries no count at all (every option 0, <c>hidden</c>) and is published once per state of the poll, so neither its
/// counts nor the pace of its versions tell the public anything; the admin live view keeps the count.
/// </para>
/// </summary>
public sealed class ResultsHub : IDisposable
{
    private readonly ConcurrentDictionary<string, PollResults> _polls = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _changed = new(0, 1);

    private static readonly string ClosedStatus = Poll.StatusName(PollStatus.Closed);

    public bool TryGetSnapshot(string pollId, out ResultsSnapshot snapshot)
    {
        if (_polls.TryGetValue(pollId, out var state) && state.Published is { } published)
        {
            snapshot = published;
            return true;
        }

        snapshot = null!;
        return false;
    }

    /// <summary>
    /// Called by the writer after a commit, or by the shared-state refresher: <paramref name="totals"/> is a copy the hub
    /// may keep; <paramref name="stalePartitions"/> names the store partitions whose part of them is a last good read.
    /// </summary>
    public void Report(Poll poll, long[] totals, long version, DateTimeOffset asOf, IReadOnlyList<int>? stalePartitions = null)
    {
        var state = StateOf(poll.Id);
        state.Live = new PendingResults(poll, totals, version, asOf, Stale: stalePartitions);
        var pending = PublicView(state, poll, totals, version, asOf, stalePartitions);
        if (pending is null)
        {
            return;
        }

        if (state.Published is null)
        {
            // A poll's first state is published at once: until a snapshot exists its results are 503 results-pending,
            // and a poll opened right after the previous publish would wait a whole interval for it. Only the writer
            // reports, so nothing races this first publish; later changes are coalesced by the publisher as usual.
            Publish(state, Snapshot(pending, state.Final));
            return;
        }

        Volatile.Write(ref state.Pending, pending);
        if (_changed.CurrentCount == 0)
        {
            try
            {
                _changed.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already signalled: the publisher will see this change with the others.
            }
        }
    }

    /// <summary>
    /// What the public sees of this report: the live count, or the frozen snapshot the first time a freeze is reported;
    /// null when the public view does not change (frozen, and already published as such). Reports come from one thread
    /// at a time (the writer, or the shared-state refresher), so the freeze it last published needs no lock.
    /// </summary>
    private static PendingResults? PublicView(
        PollResults state, Poll poll, long[] totals, long version, DateTimeOffset asOf, IReadOnlyList<int>? stalePartitions)
    {
        if (poll.ResultsHidden)
        {
            // Hidden: one snapshot per state of the poll (revision, status), none per vote.
            state.PublishedFreeze = null;
            var shown = (poll.ResultsRevision, poll.Status);
            if (state.PublishedHidden == shown)
            {
                return null;
            }

            state.PublishedHidden = shown;
            return new PendingResults(poll, [], version, asOf);
        }

        state.PublishedHidden = null;
        if (poll.Frozen is not { } frozen)
        {
            state.PublishedFreeze = null;
            return new PendingResults(poll, totals, version, asOf, Stale: stalePartitions);
        }

        // Each freeze has its own revision (every node reads the same one from a shared store).
        if (state.PublishedFreeze == poll.ResultsRevision)
        {
            return null;
        }

        state.PublishedFreeze = poll.ResultsRevision;
        return new PendingResults(poll, [.. frozen.Totals], version, frozen.At, Frozen: true);
    }

    /// <summary>
    /// The newest count this node knows, even while the public results are frozen: for the producer (admin live view)
    /// and for taking a freeze.
    /// </summary>
    public bool TryGetLive(string pollId, out ResultsSnapshot live)
    {
        if (_polls.TryGetValue(pollId, out var state) && state.Live is { } latest)
        {
            live = ResultsSnapshot.Create(latest.Poll, latest.Totals, latest.Version, latest.AsOf, stalePartitions: latest.Stale, final: state.Final);
            return true;
        }

        live = null!;
        return false;
    }

    /// <summary>A copy of the newest live counts, in the poll's option order.</summary>
    public bool TryGetLiveTotals(string pollId, out long[] totals)
    {
        if (_polls.TryGetValue(pollId, out var state) && state.Live is { } latest)
        {
            totals = (long[])latest.Totals.Clone();
            return true;
        }

        totals = [];
        return false;
    }

    /// <summary>
    /// The poll's signed final result exists: its published results say <c>final</c> from now on (at once, to every
    /// subscriber), and so does every later snapshot of it (a closed poll's count no longer changes).
    /// </summary>
    public void MarkFinal(string pollId)
    {
        var state = StateOf(pollId);
        if (state.Final)
        {
            return;
        }

        lock (state)
        {
            state.Final = true;
            if (state.Published is { Dto.Final: false } published && published.Dto.Status == ClosedStatus)
            {
                Publish(state, published.AsFinal());
            }
        }
    }

    /// <summary>A cursor over the poll's published snapshots: the current one first (if any), then each newer one.</summary>
    public Subscription Subscribe(string pollId)
    {
        var state = StateOf(pollId);
        Interlocked.Increment(ref state.SubscriberCount);
        return new Subscription(state, pollId);
    }

    public int SubscriberCount => _polls.Values.Sum(p => Volatile.Read(ref p.SubscriberCount));

    /// <summary>
    /// Wakes every subscriber without a new snapshot: each stream that finds nothing new sends a keep-alive comment
    /// (<see cref="StreamKeepAlive"/>), or sees that the server is stopping. One timer for all streams, not one each.
    /// </summary>
    internal void WakeAll()
    {
        foreach (var state in _polls.Values)
        {
            if (Volatile.Read(ref state.SubscriberCount) > 0)
            {
                state.Wake();
                state.Streams.Deliver(keepAlive: true);
            }
        }
    }

    /// <summary>Ends every open results stream: the server is stopping, and each stream would otherwise hold it.</summary>
    internal void EndStreams()
    {
        foreach (var state in _polls.Values)
        {
            state.Streams.EndAll();
        }
    }

    /// <summary>
    /// Opens a results stream of the poll on <paramref name="body"/>: it gets the current snapshot, then each newer one
    /// (<see cref="ResultsStream"/>). The returned task completes when the stream ends.
    /// </summary>
    internal Task Stream(string pollId, PipeWriter body, IDisposable place, CancellationToken aborted, CancellationToken stopping)
    {
        return new ResultsStream(StateOf(pollId), body, place, aborted).Run(stopping);
    }

    /// <summary>
    /// A results stream of the poll to run on a handed-off connection (<see cref="IConnectionHandOffFeature"/>): it
    /// starts when the HTTP layer has let go of the connection, and writes HTTP/1.1 chunks on it.
    /// </summary>
    internal IConnectionTaker StreamOn(IConnectionHandOffFeature connection, string pollId, IDisposable place, CancellationToken stopping)
    {
        return new ResultsStream(StateOf(pollId), connection.Connection, place, stopping);
    }

    /// <summary>
    /// How far published results trail committed votes (the <c>livevote.results.age</c> gauge): for a poll with newer
    /// committed totals not yet published, the age of what viewers see; zero when every poll's newest totals are out.
    /// </summary>
    internal TimeSpan PublishLag(DateTimeOffset now)
    {
        var lag = TimeSpan.Zero;
        foreach (var state in _polls.Values)
        {
            // A frozen snapshot is old on purpose: the producer holds it, it is not lagging.
            if (Volatile.Read(ref state.Pending) is not null && state.Published is { Dto.Frozen: false } published && now - published.Dto.AsOf > lag)
            {
                lag = now - published.Dto.AsOf;
            }
        }

        return lag;
    }

    internal Task WaitForChangeAsync(CancellationToken cancellationToken) => _changed.WaitAsync(cancellationToken);

    /// <summary>Builds and fans out a snapshot for every poll with newer committed state; returns how many.</summary>
    internal int PublishPending()
    {
        var published = 0;
        foreach (var state in _polls.Values)
        {
            var pending = Interlocked.Exchange(ref state.Pending, null);
            if (pending is null)
            {
                continue;
            }

            Publish(state, Snapshot(pending, state.Final));
            published++;
        }

        return published;
    }

    private static ResultsSnapshot Snapshot(PendingResults pending, bool final) =>
        ResultsSnapshot.Create(pending.Poll, pending.Totals, pending.Version, pending.AsOf, pending.Frozen, pending.Stale, final, pending.Poll.ResultsHidden);

    private static void Publish(PollResults state, ResultsSnapshot snapshot)
    {
        // Under the poll's lock, with MarkFinal: a snapshot built just before the result turned final is published final.
        lock (state)
        {
            if (state.Final && !snapshot.Dto.Final && snapshot.Dto.Status == ClosedStatus)
            {
                snapshot = snapshot.AsFinal();
            }

            state.Published = snapshot;
            state.Wake();
            state.Streams.Deliver(keepAlive: false);
        }
    }

    public void Dispose() => _changed.Dispose();

    /// <summary>The poll's results state, made on first use (a stream or a report may come first).</summary>
    private PollResults StateOf(string pollId) => _polls.GetOrAdd(pollId, static _ => new PollResults());

    internal sealed record PendingResults(
        Poll Poll, long[] Totals, long Version, DateTimeOffset AsOf, bool Frozen = false, IReadOnlyList<int>? Stale = null);

    internal sealed class PollResults
    {
        public PendingResults? Pending;
        public volatile PendingResults? Live;
        public long? PublishedFreeze;
        public (long Revision, PollStatus Status)? PublishedHidden;
        public volatile ResultsSnapshot? Published;
        public volatile bool Final;
        public int SubscriberCount;

        /// <summary>The poll's open results streams, written by each publication (<see cref="ResultsStream"/>).</summary>
        public readonly StreamSet Streams = new();

        // Completed (and replaced) when a snapshot is published or WakeAll is called. Continuations run on the thread
        // pool, never inside Publish's lock: thousands of streams then write their frames in parallel.
        private TaskCompletionSource _wake = NewWake();

        /// <summary>What a subscriber awaits: it completes at the next publication (or keep-alive wake-up).</summary>
        public Task NextWake => Volatile.Read(ref _wake).Task;

        /// <summary>
        /// Completes the current wake-up task and puts a new one in its place. Callers set <see cref="Published"/>
        /// first: a subscriber that read <see cref="NextWake"/> before this and then found no new snapshot is woken;
        /// one that reads it after this finds the new snapshot.
        /// </summary>
        public void Wake() => Interlocked.Exchange(ref _wake, NewWake()).TrySetResult();

        private static TaskCompletionSource NewWake() => new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>
    /// One subscriber's place in a poll's broadcast: the snapshot it was last given. Reads always give the newest
    /// snapshot, so a subscriber that falls behind skips versions instead of queueing them. One reader at a time.
    /// </summary>
    public sealed class Subscription : IDisposable
    {
        private readonly PollResults _state;
        private ResultsSnapshot? _delivered;
        private int _disposed;

        internal Subscription(PollResults state, string pollId)
        {
            _state = state;
            PollId = pollId;
        }

        public string PollId { get; }

        /// <summary>Completes when there may be something new: a publication, a keep-alive wake-up or a stop.</summary>
        public Task NextWake => _state.NextWake;

        /// <summary>The newest published snapshot if this subscriber was not given it yet (none once it left).</summary>
        public bool TryRead(out ResultsSnapshot snapshot)
        {
            var published = _state.Published;
            if (published is not null && Volatile.Read(ref _disposed) == 0 && !ReferenceEquals(published, _delivered))
            {
                _delivered = published;
                snapshot = published;
                return true;
            }

            snapshot = null!;
            return false;
        }

        /// <summary>Waits for the next snapshot this subscriber was not given (keep-alive wake-ups are skipped).</summary>
        public async Task<ResultsSnapshot> ReadAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                // The wake-up task first, then the check: a publication in between completes the task we hold.
                var wake = NextWake;
                if (TryRead(out var snapshot))
                {
                    return snapshot;
                }

                await wake.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Interlocked.Decrement(ref _state.SubscriberCount);
            }
        }
    }
}
