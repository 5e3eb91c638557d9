using System.Security.Cryptography;

namespace LiveVote.Server.Security.Tokens;

/// <summary>
/// HMAC-SHA256 under one key, with keyed contexts reused from call to call. <c>HMACSHA256.HashData</c> sets the key up
/// on every call (a native context made, the key hashed into its inner and outer pads, the context freed); a keyed
/// <see cref="IncrementalHash"/> keeps that state and goes back to it after each hash, which makes the short MACs of the
/// vote path (a token's signature, a voter key) about 2.5 times cheaper (bench/README.md, "Per-vote work"). A context
/// serves one caller at a time, so each MAC rents one from a few lock-free slots and puts it back; when more callers run
/// at once than there are slots, the extra context is made and then disposed. Nothing is allocated once the slots are
/// filled. The key array is referenced, not copied: its owner keeps it as long as this object lives. Not disposable on
/// purpose: its owners hold it as long as its key (the server's secrets for the process, a poll secret for its poll
/// instance), and once it is dropped the contexts' finalizers free them (OpenSSL clears their key state).
/// </summary>
internal sealed class KeyedHmac
{
    public const int MacSize = 32;

    private readonly byte[] _key;
    private readonly IncrementalHash?[] _slots;

    public KeyedHmac(byte[] key)
    {
        ArgumentNullException.ThrowIfNull(key);
        _key = key;

        // Enough for every thread-pool thread of a small node to keep its own; a power of two for the start index.
        _slots = new IncrementalHash?[(int)Math.Min(64, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(4, Environment.ProcessorCount * 2)))];
    }

    /// <summary>The key this object computes MACs with (the owner's array).</summary>
    public byte[] Key => _key;

    /// <summary>HMAC-SHA256(key, <paramref name="data"/>) into the first 32 bytes of <paramref name="mac"/>.</summary>
    public void Compute(ReadOnlySpan<byte> data, Span<byte> mac) => Compute(data, [], mac);

    /// <summary>HMAC-SHA256(key, <paramref name="first"/> || <paramref name="second"/>): a message in two parts, no buffer to join them.</summary>
    public void Compute(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, Span<byte> mac)
    {
        var hmac = Rent(out var slot);
        try
        {
            hmac.AppendData(first);
            hmac.AppendData(second);
            hmac.GetHashAndReset(mac);
        }
        catch
        {
            // A context that failed half-way is in no known state: it is not put back.
            hmac.Dispose();
            throw;
        }

        Return(hmac, slot);
    }

    private IncrementalHash Rent(out int slot)
    {
        // Start where this thread usually finds its own context, so threads rarely meet on one slot.
        var mask = _slots.Length - 1;
        var start = Environment.CurrentManagedThreadId & mask;
        for (var i = 0; i < _slots.Length; i++)
        {
            slot = (start + i) & mask;
            if (Volatile.Read(ref _slots[slot]) is not null && Interlocked.Exchange(ref _slots[slot], null) is { } hmac)
            {
                return hmac;
            }
        }

        slot = start;
        return IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
    }

    private void Return(IncrementalHash hmac, int slot)
    {
        var mask = _slots.Length - 1;
        for (var i = 0; i < _slots.Length; i++)
        {
            var index = (slot + i) & mask;
            if (Volatile.Read(ref _slots[index]) is null && Interlocked.CompareExchange(ref _slots[index], hmac, null) is null)
            {
                return;
            }
        }

        hmac.Dispose();
    }
}
