using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using LiveVote.Contracts;

namespace LiveVote.Server.Tests.Infrastructure;

/// <summary>
/// The audit chain recomputed from the documented canonical form (docs/design.md), without the server's code:
/// <c>hash = SHA-256(prevHash || UTF-8("seq\nkind\npollId\nvoterKeyHex\noptionId\natUnixMs\ndata"))</c>, absent fields
/// empty, genesis prevHash 32 zero bytes.
/// </summary>
public static class IndependentAudit
{
    public static readonly string GenesisHash = new('0', 64);

    public static string Hash(long seq, string kind, string? pollId, string? voterKeyHex, string? optionId, long atUnixMs, string? data, string prevHashHex)
    {
        var canonical = string.Join('\n',
            seq.ToString(CultureInfo.InvariantCulture), kind, pollId ?? "", voterKeyHex ?? "", optionId ?? "",
            atUnixMs.ToString(CultureInfo.InvariantCulture), data ?? "");
        byte[] input = [.. Convert.FromHexString(prevHashHex), .. Encoding.UTF8.GetBytes(canonical)];
        return Convert.ToHexStringLower(SHA256.HashData(input));
    }

    public static string Hash(AuditEntryDto e) =>
        Hash(e.Seq, e.Kind, e.PollId, e.VoterKey, e.OptionId, e.At.ToUnixTimeMilliseconds(), e.Data, e.PrevHash);

    public static string Hash(AuditRow r) => Hash(r.Seq, r.Kind, r.PollId, r.VoterKey, r.OptionId, r.AtUnixMs, r.Data, r.PrevHash);

    /// <summary>
    /// A poll's entries as the API pages them: a subsequence of the store's chain. Every entry's hash recomputes from its
    /// own fields and prevHash, seqs ascend, and where two entries are adjacent in the chain they link.
    /// </summary>
    public static void AssertPollEntriesVerify(IReadOnlyList<AuditEntryDto> entries)
    {
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            Assert.True(Hash(entry) == entry.Hash, $"audit entry {entry.Seq} does not hash to its stored hash");
            if (i > 0)
            {
                Assert.True(entries[i - 1].Seq < entry.Seq, $"audit seqs out of order at {entry.Seq}");
                if (entries[i - 1].Seq + 1 == entry.Seq)
                {
                    Assert.True(entries[i - 1].Hash == entry.PrevHash, $"audit entry {entry.Seq} does not link to {entry.Seq - 1}");
                }
            }

            if (entry.Seq == 1)
            {
                Assert.Equal(GenesisHash, entry.PrevHash);
            }
        }
    }

    /// <summary>The whole chain as stored: seq 1..n without gaps, genesis zeros, each link and each hash.</summary>
    public static void AssertChainVerifies(IReadOnlyList<AuditRow> rows)
    {
        var previous = GenesisHash;
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            Assert.True(row.Seq == i + 1, $"audit seq {row.Seq} found where {i + 1} was expected");
            Assert.True(row.PrevHash == previous, $"audit entry {row.Seq} does not link to its predecessor");
            Assert.True(Hash(row) == row.Hash, $"audit entry {row.Seq} does not hash to its stored hash");
            previous = row.Hash;
        }
    }
}
