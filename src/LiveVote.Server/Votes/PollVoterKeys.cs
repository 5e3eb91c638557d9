using System.Text;
using LiveVote.Server.Polls;

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
    public VoterSecretWrapping Wrapping { get; } = wrapping;

    /// <summary>False only when the poll's secret was destroyed: no key can be derived for it any more.</summary>
    public bool TryDerive(Poll poll, string viewerId, out VoterKey key)
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

            key = Derive(secret, poll.Id, viewerId);
            return true;
        }

        if (poll.VoterKeysDestroyedAt is not null)
        {
            key = default;
            return false;
        }

        key = legacy.Derive(viewerId);
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
}
