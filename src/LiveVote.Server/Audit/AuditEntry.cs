using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using LiveVote.Server.Security.Hashing;

namespace LiveVote.Server.Audit;

/// <summary>Kinds of audit entries. The string values are part of the hashed canonical form: never rename one.</summary>
public static class AuditKinds
{
    public const string Vote = "vote";
    public const string PollCreated = "poll-created";
    public const string PollOpened = "poll-opened";
    public const string PollClosed = "poll-closed";

    /// <summary>
    /// The producer froze the public results. No voterKey or optionId; data is the frozen snapshot, compact JSON with the
    /// options in the poll's order: <c>{"totals":{"optionId":count,...}}</c>. Closing a poll releases a freeze.
    /// </summary>
    public const string ResultsFrozen = "results-frozen";

    /// <summary>The producer released frozen results: the public results show the count again. No data.</summary>
    public const string ResultsReleased = "results-released";

    /// <summary>The vote page starts showing viewers the live results after they vote. No data.</summary>
    public const string ViewerResultsShown = "viewer-results-shown";

    /// <summary>The vote page stops showing viewers the results. No data.</summary>
    public const string ViewerResultsHidden = "viewer-results-hidden";

    /// <summary>
    /// The producer replaced a draft's definition. data is the new definition, in the form of <see cref="PollCreated"/>'s:
    /// the poll is recounted with it from here on (a draft has no votes).
    /// </summary>
    public const string PollEdited = "poll-edited";

    /// <summary>The producer deleted a draft: no entry of the poll may follow. No data.</summary>
    public const string PollDeleted = "poll-deleted";

    /// <summary>The producer archived a closed poll (left out of the public list). No data.</summary>
    public const string PollArchived = "poll-archived";

    /// <summary>The producer put an archived poll back in the public list. No data.</summary>
    public const string PollUnarchived = "poll-unarchived";

    /// <summary>The public results show the counts again after being hidden until a reveal. No data.</summary>
    public const string ResultsRevealed = "results-revealed";

    /// <summary>The public results carry no counts until a reveal (counting goes on). No data.</summary>
    public const string ResultsHiddenUntilReveal = "results-hidden";

    /// <summary>
    /// A vote challenged or refused by the risk score (or let through after a solved CAPTCHA). pollId and voterKey are
    /// the vote's, optionId is empty, data is JSON: <c>{"action","reason","score","evidence"}</c>, evidence naming the
    /// restricted, expiring evidence row (network, signals). Entries written before it carried <c>"signals"</c> and <c>"network"</c>.
    /// </summary>
    public const string RiskDecision = "risk-decision";

    /// <summary>
    /// The closed poll's voter-key secret was destroyed after its audit period (crypto-shredding): from here on nobody can
    /// link a voter key of the poll to a viewer. pollId only; no voterKey, optionId or data.
    /// </summary>
    public const string VoterKeysDestroyed = "voter-keys-destroyed";

    /// <summary>
    /// A client network locked out of admin-key requests after repeated wrong keys. No pollId, voterKey or optionId;
    /// data is JSON: <c>{"action":"admin-lockout","reason","failures","lockoutSeconds","evidence"}</c> (before: <c>"network"</c>
    /// instead of <c>"evidence"</c>).
    /// </summary>
    public const string AdminLockout = "admin-lockout";
}

/// <summary>
/// One link of the audit hash chain. <c>hash = SHA-256(prevHash || canonical)</c> where canonical is the UTF-8 text
/// <c>seq \n kind \n pollId \n voterKeyHex \n optionId \n atUnixMilliseconds \n data</c> (absent fields empty).
/// The form is documented in docs/design.md so that anyone can recount without our code.
/// </summary>
public readonly record struct AuditEntry(
    long Seq,
    string Kind,
    string? PollId,
    Votes.VoterKey? VoterKey,
    string? OptionId,
    long AtUnixMs,
    string? Data,
    Sha256Hash PrevHash,
    Sha256Hash Hash)
{
    /// <summary>The chain (writer) the entry belongs to: always 0 in SQLite.</summary>
    public int Chain { get; init; }

    /// <summary>
    /// The entry's index in its poll's Merkle log of its chain (the number of earlier entries of the same poll and
    /// chain, from 0); -1 for an entry without a poll, which is in the chain only.
    /// </summary>
    public long Leaf { get; init; } = -1;

    /// <summary>Position in the store's global order, the paging cursor; equals <see cref="Seq"/> in SQLite.</summary>
    public long Position { get; init; }

    public long Cursor => Position != 0 ? Position : Seq;

    public static Sha256Hash ComputeHash(
        long seq, string kind, string? pollId, Votes.VoterKey? voterKey, string? optionId, long atUnixMs, string? data, Sha256Hash prevHash)
    {
        // Votes carry short ASCII fields and fit the stack; admin entries may carry a poll definition and rent.
        var maxLength = Sha256Hash.Size + 160 + (pollId?.Length ?? 0) * 3 + (optionId?.Length ?? 0) * 3 + kind.Length +
                        (data is null ? 0 : Encoding.UTF8.GetMaxByteCount(data.Length));
        byte[]? rented = null;
        var buffer = maxLength <= 512 ? stackalloc byte[512] : (rented = ArrayPool<byte>.Shared.Rent(maxLength));
        try
        {
            prevHash.Write(buffer);
            var n = Sha256Hash.Size;
            n += Write(buffer[n..], seq);
            buffer[n++] = (byte)'\n';
            n += Encoding.UTF8.GetBytes(kind, buffer[n..]);
            buffer[n++] = (byte)'\n';
            n += pollId is null ? 0 : Encoding.UTF8.GetBytes(pollId, buffer[n..]);
            buffer[n++] = (byte)'\n';
            if (voterKey is { } key)
            {
                Span<byte> raw = stackalloc byte[Votes.VoterKey.Size];
                key.Write(raw);
                HexLower(raw, buffer.Slice(n, Votes.VoterKey.Size * 2));
                n += Votes.VoterKey.Size * 2;
            }

            buffer[n++] = (byte)'\n';
            n += optionId is null ? 0 : Encoding.UTF8.GetBytes(optionId, buffer[n..]);
            buffer[n++] = (byte)'\n';
            n += Write(buffer[n..], atUnixMs);
            buffer[n++] = (byte)'\n';
            n += data is null ? 0 : Encoding.UTF8.GetBytes(data, buffer[n..]);

            Span<byte> hash = stackalloc byte[Sha256Hash.Size];
            Sha256.HashData(buffer[..n], hash);
            return Sha256Hash.Read(hash);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static int Write(Span<byte> destination, long value)
    {
        value.TryFormat(destination, out var written, default, CultureInfo.InvariantCulture);
        return written;
    }

    private static void HexLower(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        const string digits = "0123456789abcdef";
        for (var i = 0; i < source.Length; i++)
        {
            destination[2 * i] = (byte)digits[source[i] >> 4];
            destination[2 * i + 1] = (byte)digits[source[i] & 0xF];
        }
    }
}
