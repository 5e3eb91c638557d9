using System.Runtime.CompilerServices;
using System.Text;
using LiveVote.Server.Polls;
using LiveVote.Server.Security.Tokens;

namespace LiveVote.Server.Votes;

/// <summary>
/// The voter key of a viewer in a poll. A poll created with a secret of its own (<see cref="Poll.VoterSecret"/>): the
/// first 128 bits of HMAC-SHA256(pollSecret, pollId || 0x00 || viewerId), so one viewer's keys in two polls cannot be
/// linked without both secrets. A poll created before per-poll secrets keeps the fleet-wide derivation
/// (<see cref="VoterKeyDeriver"/>), so an upgrade in the middle of a show changes no viewer's key (dedup and the voter's
/// partition stay). A poll whose secret was destroyed (<see cref="Poll.VoterKeysDestroyedAt"/>) has no keys any more.
/// Every node derives the same key: the wrapped secret travels with the poll row to every partition.
/// </summary>
public sealed class PollVoterKeys(VoterKeyDeriver legacy, VoterSecretWrapping wrapping)
{
    // Per unwrapped poll secret: its reused HMAC contexts and the poll id's bytes. Keyed weakly on the secret's array, so
    // the contexts (and the key state in them) live exactly as long as the poll instance that holds the secret.
    private readonly ConditionalWeakTable<byte[], PollKeying> _keyings = [];

    public VoterSecretWrapping Wrapping { get; } = wrapping;

    /// <summary>False only when the poll's secret was destroyed: no key can be derived for it any more.</summary>
    public bool TryDerive(Poll poll, string viewerId, out VoterKey key)
    {
        var maxBytes = Encoding.UTF8.GetMaxByteCount(viewerId.Length);
        Span<byte> input = maxBytes <= 256 ? stackalloc byte[256] : new byte[maxBytes];
        return TryDerive(poll, input[..Encoding.UTF8.GetBytes(viewerId, input)], out key);
    }

    /// <summary>As <see cref="TryDerive(Poll, string, out VoterKey)"/>, for a validated token's viewer: no string made.</summary>
    public bool TryDerive(Poll poll, in TokenViewerId viewerId, out VoterKey key)
    {
        Span<byte> scratch = stackalloc byte[256];
        return TryDerive(poll, viewerId.Utf8(scratch), out key);
    }

    /// <summary>As <see cref="TryDerive(Poll, string, out VoterKey)"/>, for the viewer id's UTF-8 bytes.</summary>
    public bool TryDerive(Poll poll, ReadOnlySpan<byte> viewerIdUtf8, out VoterKey key)
    {
        if (poll.VoterSecret is { } wrapped)
        {
            var secret = wrapped.Unwrapped;
            if (secret is null)
            {
                // Once per poll instance read from the store: every later vote reuses it.
                secret = Wrapping.Unwrap(poll.Id, wrapped);
                wrapped.Unwrapped = secret;
            }

            var keying = _keyings.GetValue(secret, static s => new PollKeying(s));
            key = keying.Derive(poll.Id, viewerIdUtf8);
            return true;
        }

        if (poll.VoterKeysDestroyedAt is not null)
        {
            key = default;
            return false;
        }

        key = legacy.Derive(viewerIdUtf8);
        return true;
    }

    /// <summary>The per-poll derivation: first 128 bits of HMAC-SHA256(secret, UTF-8(pollId) || 0x00 || UTF-8(viewerId)).</summary>
    public static VoterKey Derive(ReadOnlySpan<byte> secret, string pollId, string viewerId)
    {
        // 0x00 cannot occur in a poll id (slugs), so (poll, viewer) pairs never collide by concatenation.
        var maxBytes = Encoding.UTF8.GetMaxByteCount(pollId.Length + viewerId.Length) + 1;
        Span<byte> input = maxBytes <= 512 ? stackalloc byte[512] : new byte[maxBytes];
        var length = Encoding.UTF8.GetBytes(pollId, input);
        input[length++] = 0;
        length += Encoding.UTF8.GetBytes(viewerId, input[length..]);
        Span<byte> mac = stackalloc byte[32];
        System.Security.Cryptography.HMACSHA256.HashData(secret, input[..length], mac);
        return VoterKey.Read(mac);
    }

    /// <summary>One poll secret's HMAC contexts, and UTF-8(pollId) || 0x00 of the poll it was unwrapped for.</summary>
    private sealed class PollKeying(byte[] secret)
    {
        private readonly KeyedHmac _mac = new(secret);
        private PollPrefix? _prefix;

        public VoterKey Derive(string pollId, ReadOnlySpan<byte> viewerIdUtf8)
        {
            Span<byte> mac = stackalloc byte[KeyedHmac.MacSize];
            _mac.Compute(Prefix(pollId), viewerIdUtf8, mac);
            return VoterKey.Read(mac);
        }

        /// <summary>A secret is unwrapped for one poll id (its associated data), so this is made once per secret.</summary>
        private byte[] Prefix(string pollId)
        {
            if (Volatile.Read(ref _prefix) is { } known && string.Equals(known.PollId, pollId, StringComparison.Ordinal))
            {
                return known.Bytes;
            }

            var bytes = new byte[Encoding.UTF8.GetByteCount(pollId) + 1];
            Encoding.UTF8.GetBytes(pollId, bytes);
            Volatile.Write(ref _prefix, new PollPrefix(pollId, bytes));
            return bytes;
        }

        private sealed record PollPrefix(string PollId, byte[] Bytes);
    }
}
