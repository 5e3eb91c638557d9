using System.Security.Cryptography;
using LiveVote.Server.Security.Hashing;

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
/// Where OpenSSL's low-level SHA-256 is available (<see cref="LibCryptoSha256"/>) none of that is needed: the key's inner
/// and outer pad states are computed once (RFC 2104) and each MAC copies them, hashes the message and the inner digest,
/// with no native context, no error-queue work and no slot (measured in bench/README.md, "Per-vote work").
/// </summary>
internal sealed class KeyedHmac
{
    public const int MacSize = 32;

    private readonly byte[] _key;
    private readonly IncrementalHash?[] _slots;

    // RFC 2104: SHA-256 hashes 64-byte blocks; a longer key is hashed first, a shorter one padded with zeros.
    private const int BlockSize = 64;

    private readonly bool _native;
    private readonly LibCryptoSha256.Context _innerPad;
    private readonly LibCryptoSha256.Context _outerPad;

    public KeyedHmac(byte[] key)
        : this(key, LibCryptoSha256.IsAvailable)
    {
    }

    /// <summary>As <see cref="KeyedHmac(byte[])"/>; <paramref name="native"/> false forces .NET's HMAC (the tests compare both).</summary>
    internal KeyedHmac(byte[] key, bool native)
    {
        ArgumentNullException.ThrowIfNull(key);
        _key = key;
        _native = native && LibCryptoSha256.IsAvailable;
        if (_native)
        {
            (_innerPad, _outerPad) = PadStates(key);
            _slots = [];
            return;
        }

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
        if (_native)
        {
            ComputeNative(first, second, mac);
            return;
        }

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

    /// <summary>HMAC = H((K ^ opad) || H((K ^ ipad) || message)), both pad blocks already absorbed in the saved states.</summary>
    private void ComputeNative(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, Span<byte> mac)
    {
        Span<byte> inner = stackalloc byte[Sha256.HashSize];
        var context = _innerPad;
        LibCryptoSha256.Update(ref context, first);
        LibCryptoSha256.Update(ref context, second);
        LibCryptoSha256.Final(ref context, inner);
        context = _outerPad;
        LibCryptoSha256.Update(ref context, inner);
        LibCryptoSha256.Final(ref context, mac);
    }

    private static (LibCryptoSha256.Context Inner, LibCryptoSha256.Context Outer) PadStates(byte[] key)
    {
        Span<byte> block = stackalloc byte[BlockSize];
        block.Clear();
        if (key.Length > BlockSize)
        {
            Sha256.HashData(key, block);
        }
        else
        {
            key.CopyTo(block);
        }

        Span<byte> pad = stackalloc byte[BlockSize];
        var inner = default(LibCryptoSha256.Context);
        var outer = default(LibCryptoSha256.Context);
        for (var i = 0; i < BlockSize; i++)
        {
            pad[i] = (byte)(block[i] ^ 0x36);
        }

        LibCryptoSha256.Init(ref inner);
        LibCryptoSha256.Update(ref inner, pad);
        for (var i = 0; i < BlockSize; i++)
        {
            pad[i] = (byte)(block[i] ^ 0x5c);
        }

        LibCryptoSha256.Init(ref outer);
        LibCryptoSha256.Update(ref outer, pad);

        // The key's copies on the stack go now; the saved states are all that is kept (as OpenSSL's context kept them).
        CryptographicOperations.ZeroMemory(block);
        CryptographicOperations.ZeroMemory(pad);
        return (inner, outer);
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
