using System.Collections.Concurrent;
using System.Threading.Tasks.Sources;
using LiveVote.Server.Votes;

namespace LiveVote.Server.Ingest;

/// <summary>
/// A reusable awaitable for one vote's answer, so the hot path allocates no Task per vote. The request awaits it
/// exactly once and then returns it to <see cref="VoteCompletionPool"/>; continuations run asynchronously so the
/// writer never runs HTTP code on its own thread.
/// </summary>
internal sealed class VoteCompletion : IValueTaskSource<VoteResult>
{
    private ManualResetValueTaskSourceCore<VoteResult> _core = new() { RunContinuationsAsynchronously = true };

    public ValueTask<VoteResult> Task => new(this, _core.Version);

    /// <summary>The vote's enqueue span when its request is sampled (else default): the batch span links to it.</summary>
    public System.Diagnostics.ActivityContext Trace { get; set; }

    public void SetResult(VoteResult result) => _core.SetResult(result);

    public VoteResult GetResult(short token) => _core.GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    public void Reset()
    {
        Trace = default;
        _core.Reset();
    }
}

internal sealed class VoteCompletionPool
{
    // Enough to cover a full queue plus a batch in flight without growing; beyond that objects are simply dropped.
    private const int MaxRetained = 16_384;
    private readonly ConcurrentQueue<VoteCompletion> _items = new();
    private int _count;

    public VoteCompletion Rent()
    {
        if (_items.TryDequeue(out var item))
        {
            Interlocked.Decrement(ref _count);
            return item;
        }

        return new VoteCompletion();
    }

    public void Return(VoteCompletion item)
    {
        item.Reset();
        if (Interlocked.Increment(ref _count) <= MaxRetained)
        {
            _items.Enqueue(item);
        }
        else
        {
            Interlocked.Decrement(ref _count);
        }
    }
}
