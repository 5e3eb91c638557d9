using System.Buffers;

namespace LiveVote.Server.Results;

/// <summary>
/// The open streams of one poll, in groups of <see cref="GroupSize"/>. A publication marks every group pending and
/// queues one thread-pool work item (this set), which writes the new frame to one pending group's streams, then queues
/// itself again for the next, until no group is pending: one work item per group, not one continuation per stream.
/// <para>
/// One group per turn, because each write rents a pooled 4 KiB block for the socket's pipe until the transport has sent
/// it, and the transport's sends are work items queued behind whatever is queued already: with every group's item queued
/// at once, all 19,000 writes came before the first send, the pool grew to a block per stream and kept it (about 4 KB
/// per stream, bench/README.md "Fifth round"). Queued again after each group, the set lets the sends of that group go
/// first, so a few hundred blocks are out at a time. The writes are the cheap half of a delivery (the sends, in the
/// kernel, run on the transport's threads meanwhile); several polls' sets run in parallel.
/// </para>
/// </summary>
internal sealed class StreamSet : IThreadPoolWorkItem
{
    /// <summary>
    /// Streams per turn: 19,000 streams are 75 turns per publication; one turn's writes (each a copy into the
    /// connection's pipe and a flush) take well under a millisecond, and its 256 blocks are 1 MiB of pool at most.
    /// </summary>
    internal const int GroupSize = 256;

    private StreamGroup[] _groups = [];

    // 1 while the work item is queued or running: at most one per set, so groups are written one at a time.
    private int _scheduled;

    // Where the next turn starts looking for a pending group (only the running work item uses it).
    private int _next;

    /// <summary>Guards every group's slots; taken to join, to leave and once per group per publication.</summary>
    internal Lock Lock { get; } = new();

    public void Add(ResultsStream stream)
    {
        lock (Lock)
        {
            foreach (var group in _groups)
            {
                if (group.TryAdd(stream))
                {
                    return;
                }
            }

            var added = new StreamGroup(this);
            added.TryAdd(stream);

            // Copied on write (groups are added rarely, never removed): delivery reads the array without the lock.
            _groups = [.. _groups, added];
        }
    }

    public void Remove(ResultsStream stream)
    {
        lock (Lock)
        {
            stream.Group?.Remove(stream);
        }
    }

    /// <summary>Delivers the newest snapshot (and, with <paramref name="keepAlive"/>, a keep-alive) to every stream, group by group.</summary>
    public void Deliver(bool keepAlive)
    {
        var any = false;
        foreach (var group in Volatile.Read(ref _groups))
        {
            if (group.Count > 0)
            {
                group.MarkPending(keepAlive);
                any = true;
            }
        }

        if (any)
        {
            Schedule();
        }
    }

    /// <summary>Ends every stream (the server is stopping).</summary>
    public void EndAll()
    {
        foreach (var group in Volatile.Read(ref _groups))
        {
            group.ForEach(static (stream, _) => stream.End(null), false);
        }
    }

    /// <summary>One turn: writes the next pending group, then queues the next turn behind the sends it caused.</summary>
    public void Execute()
    {
        var groups = Volatile.Read(ref _groups);
        for (var i = 0; i < groups.Length; i++)
        {
            var at = (_next + i) % groups.Length;
            if (groups[at].TryTakePending(out var keepAlive))
            {
                _next = (at + 1) % groups.Length;
                groups[at].ForEach(static (stream, keepAlive) => stream.Deliver(keepAlive), keepAlive);
                ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
                return;
            }
        }

        // Nothing pending: stop. A publication that marked a group after the scan above saw this item still scheduled
        // and queued nothing, so look again (at the groups as they are now) once no longer scheduled.
        Volatile.Write(ref _scheduled, 0);
        foreach (var group in Volatile.Read(ref _groups))
        {
            if (group.IsPending)
            {
                Schedule();
                return;
            }
        }
    }

    private void Schedule()
    {
        if (Interlocked.Exchange(ref _scheduled, 1) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }
}

/// <summary>Up to <see cref="StreamSet.GroupSize"/> streams of one poll, written in one turn of its <see cref="StreamSet"/>.</summary>
internal sealed class StreamGroup(StreamSet set)
{
    private readonly ResultsStream?[] _slots = new ResultsStream?[StreamSet.GroupSize];
    private int _count;
    private int _pending;
    private int _keepAlive;

    public int Count => Volatile.Read(ref _count);

    public bool IsPending => Volatile.Read(ref _pending) == 1;

    /// <summary>Under the set's lock.</summary>
    public bool TryAdd(ResultsStream stream)
    {
        if (_count == _slots.Length)
        {
            return false;
        }

        stream.Group = this;
        stream.Slot = _count;
        _slots[_count] = stream;
        Volatile.Write(ref _count, _count + 1);
        return true;
    }

    /// <summary>Under the set's lock: the last stream takes the leaving one's slot.</summary>
    public void Remove(ResultsStream stream)
    {
        var last = _count - 1;
        var moved = _slots[last]!;
        _slots[stream.Slot] = moved;
        moved.Slot = stream.Slot;
        _slots[last] = null;
        stream.Group = null;
        Volatile.Write(ref _count, last);
    }

    /// <summary>Deliveries asked before the group's turn are served by that one turn (it writes the newest snapshot).</summary>
    public void MarkPending(bool keepAlive)
    {
        if (keepAlive)
        {
            Volatile.Write(ref _keepAlive, 1);
        }

        Volatile.Write(ref _pending, 1);
    }

    /// <summary>Takes the group's pending delivery, if any; cleared before the snapshot is read, so a later publication marks it again.</summary>
    public bool TryTakePending(out bool keepAlive)
    {
        if (Interlocked.Exchange(ref _pending, 0) == 0)
        {
            keepAlive = false;
            return false;
        }

        keepAlive = Interlocked.Exchange(ref _keepAlive, 0) == 1;
        return true;
    }

    /// <summary>Calls <paramref name="action"/> for each stream, outside the lock (a stream that ends leaves the group).</summary>
    public void ForEach(Action<ResultsStream, bool> action, bool argument)
    {
        var streams = ArrayPool<ResultsStream?>.Shared.Rent(StreamSet.GroupSize);
        int count;
        lock (set.Lock)
        {
            count = _count;
            Array.Copy(_slots, streams, count);
        }

        try
        {
            for (var i = 0; i < count; i++)
            {
                action(streams[i]!, argument);
            }
        }
        finally
        {
            Array.Clear(streams, 0, count);
            ArrayPool<ResultsStream?>.Shared.Return(streams);
        }
    }
}
