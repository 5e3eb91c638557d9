using LiveVote.Cli.Audit;
using LiveVote.Server.Audit;
using LiveVote.Server.Votes;

namespace LiveVote.Cli.Tests.Audit;

/// <summary>
/// The CLI hashes independently of the server (it does not reference it). These tests hold the two implementations to
/// the same canonical form on awkward inputs, so a drift in either one fails here rather than in a real audit.
/// </summary>
public sealed class AuditLinkHasherTests
{
    public static TheoryData<long, string, string?, string?, string?, long, string?> Links => new()
    {
        { 1, "poll-created", "p-abc", null, null, 1_767_225_600_000, """{"title":"Qui gagne ? Été 🎉","options":[{"id":"a","label":"Ä \"quoted\"\nline"}]}""" },
        { 2, "poll-opened", "p-abc", null, null, 1_767_225_600_001, null },
        { 12_345_678_901, "vote", "p-abc", "00112233445566778899aabbccddeeff", "option-with-a-long-id-0123456789", 1_767_225_600_002, null },
        { 4, "poll-closed", "p-abc", null, null, 0, null },
        { 5, "vote", "p-x", "ffffffffffffffffffffffffffffffff", "a", -1, "" },
    };

    [Theory]
    [MemberData(nameof(Links))]
    public void Compute_SameFieldsAsTheServer_GivesTheServersHash(long seq, string kind, string? pollId, string? voterKeyHex, string? optionId, long at, string? data)
    {
        var prev = Enumerable.Range(0, 32).Select(i => (byte)(i * 7)).ToArray();
        var voterKey = voterKeyHex is null ? null : Convert.FromHexString(voterKeyHex);
        using var hasher = new AuditLinkHasher();

        var ours = hasher.Compute(prev, seq, kind, pollId, voterKey, optionId, at, data);

        var servers = AuditEntry.ComputeHash(seq, kind, pollId, voterKey is null ? null : VoterKey.Read(voterKey), optionId, at, data, Sha256Hash.Read(prev));
        Assert.Equal(servers.ToString(), Convert.ToHexStringLower(ours));
    }

    [Fact]
    public void Canonical_Vote_IsTheDocumentedNewlineSeparatedForm()
    {
        var text = AuditLinkHasher.Canonical(7, "vote", "p-abc", [0x0A, 0xFF, 0x00, 0x10], "b", 1_700_000_000_123, null);

        Assert.Equal("7\nvote\np-abc\n0aff0010\nb\n1700000000123\n", text);
    }

    [Fact]
    public void Compute_ReusedForManyLinks_GivesEachLinksOwnHash()
    {
        using var hasher = new AuditLinkHasher();
        var first = hasher.Compute(AuditLinkHasher.Genesis, 1, "poll-opened", "p-a", null, null, 1, null);
        var big = hasher.Compute(first, 2, "poll-created", "p-a", null, null, 2, new string('x', 5000));
        var again = hasher.Compute(AuditLinkHasher.Genesis, 1, "poll-opened", "p-a", null, null, 1, null);

        Assert.Equal(first, again);
        Assert.NotEqual(first, big);
        Assert.Equal(
            AuditEntry.ComputeHash(2, "poll-created", "p-a", null, null, 2, new string('x', 5000), Sha256Hash.Read(first)).ToString(),
            Convert.ToHexStringLower(big));
    }
}
