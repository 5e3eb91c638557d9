namespace LiveVote.Server.Security.Admin;

/// <summary>
/// At most <c>limit</c> events in any <c>window</c>-long span: an exact sliding window, kept as the times of the last
/// <c>limit</c> events in a ring (memory: <c>limit</c> timestamps, whatever the traffic). It counts the events it refuses
/// and hands that number to the next event it allows, so whatever that event writes can say what was left out.
/// Thread-safe. Why exact rather than a fixed window: a fixed window lets twice the limit through around its edge,
/// and the bound is documented as "at most N per W".
/// </summary>
internal sealed class SlidingWindowQuota
{
    private readonly long[] _times;
    private readonly long _windowTicks;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private int _next;
    private int _taken;
    private long _refused;

    public SlidingWindowQuota(int limit, TimeSpan window, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        _times = new long[limit];
        _windowTicks = window.Ticks;
        _time = time;
    }

    /// <summary>
    /// Takes one event if the window has room. <paramref name="refusedBefore"/>: the events refused since the last one
    /// allowed (0 when refused now).
    /// </summary>
    public bool TryTake(out long refusedBefore)
    {
        var now = _time.GetUtcNow().UtcTicks;
        lock (_lock)
        {
            // _times[_next] is the oldest of the last `limit` events: room once it has left the window.
            if (_taken == _times.Length && now - _times[_next] < _windowTicks)
            {
                _refused++;
                refusedBefore = 0;
                return false;
            }

            _times[_next] = now;
            _next = (_next + 1) % _times.Length;
            _taken = Math.Min(_taken + 1, _times.Length);
            refusedBefore = _refused;
            _refused = 0;
            return true;
        }
    }
}
