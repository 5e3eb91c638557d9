namespace LiveVote.Server.Security.Risk;

/// <summary>
/// Counts events per key over a sliding window, in a fixed amount of memory: a set-associative table of
/// <c>slots</c> entries (<see cref="Ways"/> per set), each holding a 64-bit key (see <see cref="KeyHasher"/>) and a
/// ring of <see cref="Buckets"/> time buckets. The window total is exact to within one bucket (window / 6).
/// A key that finds its set full takes the slot with the smallest window total, so memory never grows: quiet keys lose
/// their small counts, a flood keeps its slot. Two keys colliding in all 64 bits would share a count; with a random
/// seed that is negligible. Thread-safe with striped locks; nothing is allocated per call.
/// </summary>
public sealed class SlidingWindowCounter
{
    public const int Buckets = 6;
    public const int Ways = 4;
    private const int LockStripes = 1024;
    private const long Empty = long.MinValue;

    private readonly ulong[] _keys;
    private readonly long[] _epochs;
    private readonly int[] _counts;
    private readonly object[] _locks;
    private readonly int _setMask;
    private readonly long _bucketTicks;
    private readonly TimeProvider _time;

    public SlidingWindowCounter(int slots, TimeSpan window, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, Ways);
        if (!int.IsPow2(slots))
        {
            throw new ArgumentException("The slot count must be a power of two.", nameof(slots));
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        _keys = new ulong[slots];
        _epochs = new long[slots];
        Array.Fill(_epochs, Empty);
        _counts = new int[slots * Buckets];
        _setMask = (slots / Ways) - 1;
        _locks = new object[Math.Min(LockStripes, slots / Ways)];
        for (var i = 0; i < _locks.Length; i++)
        {
            _locks[i] = new object();
        }

        _bucketTicks = Math.Max(1, window.Ticks / Buckets);
        Window = window;
        _time = time;
    }

    public TimeSpan Window { get; }

    public int Slots => _keys.Length;

    /// <summary>Adds <paramref name="amount"/> for <paramref name="key"/> now and returns its window total, this included.</summary>
    public int Add(ulong key, int amount = 1) => Update(key, amount, _time.GetUtcNow());

    /// <summary>The window total of <paramref name="key"/> now (0 for a key not counted or evicted).</summary>
    public int Count(ulong key) => Update(key, 0, _time.GetUtcNow());

    /// <summary>
    /// As <see cref="Add"/> at <paramref name="now"/>: a caller that updates several counters for one event reads the
    /// clock once (the risk score does, six counters per vote).
    /// </summary>
    public int AddAt(ulong key, DateTimeOffset now) => Update(key, 1, now);

    /// <summary>As <see cref="Count"/> at <paramref name="now"/>.</summary>
    public int CountAt(ulong key, DateTimeOffset now) => Update(key, 0, now);

    private int Update(ulong key, int amount, DateTimeOffset at)
    {
        var now = at.UtcTicks / _bucketTicks;
        var set = (int)(key >> 32) & _setMask;
        var first = set * Ways;
        lock (_locks[set & (_locks.Length - 1)])
        {
            var slot = Find(key, first);
            if (slot < 0)
            {
                if (amount == 0)
                {
                    return 0;
                }

                slot = Victim(first, now);
                _keys[slot] = key;
                _epochs[slot] = now;
                Array.Clear(_counts, slot * Buckets, Buckets);
            }

            Advance(slot, now);
            _counts[(slot * Buckets) + (int)(now % Buckets)] += amount;
            return Total(slot);
        }
    }

    private int Find(ulong key, int first)
    {
        for (var i = first; i < first + Ways; i++)
        {
            if (_keys[i] == key && _epochs[i] != Empty)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>An empty or expired slot of the set, else the one with the smallest window total.</summary>
    private int Victim(int first, long now)
    {
        var victim = -1;
        var smallest = int.MaxValue;
        for (var i = first; i < first + Ways; i++)
        {
            if (_epochs[i] == Empty || now - _epochs[i] >= Buckets)
            {
                return i;
            }

            Advance(i, now);
            var total = Total(i);
            if (total < smallest)
            {
                victim = i;
                smallest = total;
            }
        }

        return victim;
    }

    private int Total(int slot)
    {
        var total = 0;
        foreach (var count in _counts.AsSpan(slot * Buckets, Buckets))
        {
            total += count;
        }

        return total;
    }

    /// <summary>Clears the buckets that fell out of the window since the slot was last counted.</summary>
    private void Advance(int slot, long now)
    {
        var last = _epochs[slot];
        if (now <= last)
        {
            return;
        }

        if (now - last >= Buckets)
        {
            Array.Clear(_counts, slot * Buckets, Buckets);
        }
        else
        {
            for (var e = last + 1; e <= now; e++)
            {
                _counts[(slot * Buckets) + (int)(e % Buckets)] = 0;
            }
        }

        _epochs[slot] = now;
    }
}
