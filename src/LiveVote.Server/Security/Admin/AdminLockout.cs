using LiveVote.Server.Security.RateLimiting;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Security.Admin;

/// <summary>
/// Counts wrong admin keys per client network and locks a network out of every admin-key request after
/// <see cref="RateLimitOptions.AdminFailuresBeforeLockout"/> failures within <see cref="RateLimitOptions.AdminFailureWindow"/>.
/// Each further lockout of the same network doubles (backoff) up to <see cref="RateLimitOptions.AdminMaxLockout"/>; a
/// network quiet for that long starts over. At most <see cref="MaxTrackedNetworks"/> networks are tracked: when full,
/// the one whose last failure is oldest (and that is not locked out) is forgotten first, so memory stays bounded.
/// </summary>
internal sealed class AdminLockout(IOptions<RateLimitOptions> options, TimeProvider time)
{
    public const int MaxTrackedNetworks = 10_000;

    private readonly Dictionary<UInt128, State> _states = [];
    private readonly Lock _lock = new();
    private readonly int _threshold = options.Value.AdminFailuresBeforeLockout;
    private readonly TimeSpan _window = options.Value.AdminFailureWindow;
    private readonly TimeSpan _firstLockout = options.Value.AdminLockout;
    private readonly TimeSpan _maxLockout = options.Value.AdminMaxLockout;

    public int TrackedNetworks
    {
        get
        {
            lock (_lock)
            {
                return _states.Count;
            }
        }
    }

    /// <summary>Whether <paramref name="network"/> is locked out now, and for how much longer.</summary>
    public bool IsLockedOut(UInt128 network, out TimeSpan remaining)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            if (_states.TryGetValue(network, out var state) && state.LockedUntil > now)
            {
                remaining = state.LockedUntil - now;
                return true;
            }
        }

        remaining = TimeSpan.Zero;
        return false;
    }

    /// <summary>Counts one wrong key; says whether this failure started a lockout and how long it lasts.</summary>
    public LockoutStep RecordFailure(UInt128 network)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            if (!_states.TryGetValue(network, out var state))
            {
                MakeRoom(now);
                state = new State { WindowStart = now };
                _states[network] = state;
            }

            if (state.LockedUntil > now)
            {
                return new LockoutStep(false, state.LockedUntil - now, state.Failures);
            }

            // Quiet since its last lockout ended (and since its last failure): the backoff starts over.
            if (now - state.LastFailure >= _maxLockout && now - state.LockedUntil >= _maxLockout)
            {
                state.Strikes = 0;
            }

            if (now - state.WindowStart >= _window)
            {
                state.WindowStart = now;
                state.Failures = 0;
            }

            state.LastFailure = now;
            state.Failures++;
            if (state.Failures < _threshold)
            {
                return new LockoutStep(false, TimeSpan.Zero, state.Failures);
            }

            var failures = state.Failures;
            var lockout = Backoff(state.Strikes);
            state.Strikes++;
            state.Failures = 0;
            state.WindowStart = now;
            state.LockedUntil = now + lockout;
            return new LockoutStep(true, lockout, failures);
        }
    }

    private TimeSpan Backoff(int strikes)
    {
        var ticks = _firstLockout.Ticks;
        for (var i = 0; i < strikes && ticks < _maxLockout.Ticks; i++)
        {
            ticks *= 2;
        }

        return TimeSpan.FromTicks(Math.Min(ticks, _maxLockout.Ticks));
    }

    private void MakeRoom(DateTimeOffset now)
    {
        if (_states.Count < MaxTrackedNetworks)
        {
            return;
        }

        // Rare (only under a spread-out attack), so a scan is fine: forget what expired, else the stalest unlocked network.
        var stale = _states.Where(s => s.Value.LockedUntil <= now && now - s.Value.LastFailure >= _maxLockout).Select(s => s.Key).ToList();
        foreach (var key in stale)
        {
            _states.Remove(key);
        }

        if (_states.Count >= MaxTrackedNetworks)
        {
            var unlocked = _states.Where(s => s.Value.LockedUntil <= now).ToList();
            var victim = unlocked.Count > 0 ? unlocked.MinBy(s => s.Value.LastFailure).Key : _states.MinBy(s => s.Value.LockedUntil).Key;
            _states.Remove(victim);
        }
    }

    private sealed class State
    {
        public DateTimeOffset WindowStart { get; set; }

        public DateTimeOffset LastFailure { get; set; }

        public int Failures { get; set; }

        public int Strikes { get; set; }

        public DateTimeOffset LockedUntil { get; set; }
    }
}

/// <param name="LockedNow">This failure started a lockout.</param>
/// <param name="Lockout">How long the lockout lasts (or remains).</param>
/// <param name="Failures">Failures counted in the window, this one included.</param>
internal readonly record struct LockoutStep(bool LockedNow, TimeSpan Lockout, int Failures);
