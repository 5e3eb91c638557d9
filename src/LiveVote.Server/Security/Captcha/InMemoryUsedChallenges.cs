using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Security.Captcha;

/// <summary>
/// The used-challenge set of one process: a bounded map from challenge to expiry. Expired entries are swept out at most
/// every few seconds, by whichever request comes first; when the map is full of live ones, new solutions are refused
/// (<see cref="UsedChallengeMark.Unavailable"/>) instead of forgetting old ones, which would let those be replayed.
/// Only verified solutions reach it, so filling it costs an attacker one solved proof of work per entry. The server does
/// not use it (its stores keep a table, <see cref="StoredUsedChallenges"/>): it forgets everything at a restart and
/// knows nothing of other nodes, so it suits only a host without a database.
/// </summary>
public sealed class InMemoryUsedChallenges(IOptions<CaptchaOptions> options, TimeProvider time) : IUsedChallenges
{
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(5);

    // Keyed by the first 128 bits of the challenge: every key is a SHA-256 output we signed, so two never collide in
    // practice, and a 16-byte key keeps a million entries near 100 MB.
    private readonly ConcurrentDictionary<UInt128, long> _used = new();
    private readonly int _capacity = options.Value.UsedChallengeCapacity;
    private readonly Lock _sweepLock = new();
    private int _count;
    private long _nextSweepTicks;

    public int Count => Volatile.Read(ref _count);

    public ValueTask<UsedChallengeMark> TryMarkUsedAsync(string challenge, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(challenge);
        var key = UInt128.Parse(challenge.AsSpan(0, 32), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
        var now = time.GetUtcNow();
        SweepIfDue(now);

        if (Interlocked.Increment(ref _count) > _capacity)
        {
            Interlocked.Decrement(ref _count);
            return ValueTask.FromResult(_used.ContainsKey(key) ? UsedChallengeMark.AlreadyUsed : UsedChallengeMark.Unavailable);
        }

        if (_used.TryAdd(key, expiresAt.UtcTicks))
        {
            return ValueTask.FromResult(UsedChallengeMark.Marked);
        }

        Interlocked.Decrement(ref _count);
        return ValueTask.FromResult(UsedChallengeMark.AlreadyUsed);
    }

    /// <summary>A sweep walks the whole map, so it runs on a schedule, never per request, even when the map is full.</summary>
    private void SweepIfDue(DateTimeOffset now)
    {
        if (now.UtcTicks < Interlocked.Read(ref _nextSweepTicks) || !_sweepLock.TryEnter())
        {
            return;
        }

        try
        {
            if (now.UtcTicks < Interlocked.Read(ref _nextSweepTicks))
            {
                return;
            }

            foreach (var (key, expires) in _used)
            {
                if (expires <= now.UtcTicks && _used.TryRemove(key, out _))
                {
                    Interlocked.Decrement(ref _count);
                }
            }

            Interlocked.Exchange(ref _nextSweepTicks, (now + SweepInterval).UtcTicks);
        }
        finally
        {
            _sweepLock.Exit();
        }
    }
}
