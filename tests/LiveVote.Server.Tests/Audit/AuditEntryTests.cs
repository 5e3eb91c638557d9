using System.Security.Cryptography;
using System.Text;
using LiveVote.Server.Audit;
using LiveVote.Server.Votes;

namespace LiveVote.Server.Tests.Audit;

/// <summary>The server's hash against the documented canonical form, computed here by hand with SHA-256.</summary>
public sealed class AuditEntryTests
{
    private static string Expected(byte[] prevHash, string canonical) =>
        Convert.ToHexStringLower(SHA256.HashData([.. prevHash, .. Encoding.UTF8.GetBytes(canonical)]));

    [Fact]
    public void ComputeHash_GenesisPollCreated_MatchesHandComputedVector()
    {
        const string data = "{\"title\":\"Who wins?\",\"options\":[{\"id\":\"a\",\"label\":\"A\"},{\"id\":\"b\",\"label\":\"B\"}]}";

        var hash = AuditEntry.ComputeHash(1, "poll-created", "p-abc", null, null, 1_767_225_600_000, data, Sha256Hash.Zero);

        // seq \n kind \n pollId \n voterKey (absent: empty) \n optionId (absent: empty) \n at \n data, after 32 zero bytes.
        var canonical = "1\npoll-created\np-abc\n\n\n1767225600000\n" + data;
        Assert.Equal(Expected(new byte[32], canonical), hash.ToString());
    }

    [Fact]
    public void ComputeHash_Vote_UsesLowerHexVoterKeyAndThePreviousHash()
    {
        var prev = Convert.FromHexString("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
        var key = VoterKey.Read(Convert.FromHexString("0123456789ABCDEF0011223344556677"));

        var hash = AuditEntry.ComputeHash(42, "vote", "p-abc", key, "b", 1_767_225_600_123, null, Sha256Hash.Read(prev));

        Assert.Equal(Expected(prev, "42\nvote\np-abc\n0123456789abcdef0011223344556677\nb\n1767225600123\n"), hash.ToString());
    }

    [Fact]
    public void ComputeHash_FixedVector_IsStable()
    {
        // Constants computed outside .NET (Python's hashlib over the documented form), so a change to the canonical form,
        // which would orphan every stored chain, fails here even if the test's own helper changed with it.
        var opened = AuditEntry.ComputeHash(1, "poll-opened", "demo", null, null, 0, null, Sha256Hash.Zero);
        var vote = AuditEntry.ComputeHash(42, "vote", "p-abc", VoterKey.Read(Convert.FromHexString("0123456789abcdef0011223344556677")), "b",
            1_767_225_600_123, null, Sha256Hash.Read(Convert.FromHexString("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff")));

        Assert.Equal("9ebf7c84e669ccc0116e655a50dcdebb516e675b3c1efccdc9bd59798fd88d71", opened.ToString());
        Assert.Equal("0af147c2a6e6a484b620605aa32ede5b11d9d6c0ed1e0266fac4c8364df86ec3", vote.ToString());
    }

    [Fact]
    public void ComputeHash_NonAsciiAndLargeData_IsHashedAsUtf8()
    {
        var data = "{\"title\":\"Qui gagne ? 誰が勝つ\",\"pad\":\"" + new string('é', 3000) + "\"}";
        var prev = SHA256.HashData("previous"u8);

        var hash = AuditEntry.ComputeHash(7, "poll-created", "p-x", null, null, 5, data, Sha256Hash.Read(prev));

        Assert.Equal(Expected(prev, "7\npoll-created\np-x\n\n\n5\n" + data), hash.ToString());
    }

    [Fact]
    public void ComputeHash_AnyFieldChanged_ChangesTheHash()
    {
        var key = new VoterKey(1, 2);
        var baseline = AuditEntry.ComputeHash(3, "vote", "p", key, "a", 10, null, Sha256Hash.Zero);

        Assert.NotEqual(baseline, AuditEntry.ComputeHash(4, "vote", "p", key, "a", 10, null, Sha256Hash.Zero));
        Assert.NotEqual(baseline, AuditEntry.ComputeHash(3, "vote", "q", key, "a", 10, null, Sha256Hash.Zero));
        Assert.NotEqual(baseline, AuditEntry.ComputeHash(3, "vote", "p", new VoterKey(1, 3), "a", 10, null, Sha256Hash.Zero));
        Assert.NotEqual(baseline, AuditEntry.ComputeHash(3, "vote", "p", key, "b", 10, null, Sha256Hash.Zero));
        Assert.NotEqual(baseline, AuditEntry.ComputeHash(3, "vote", "p", key, "a", 11, null, Sha256Hash.Zero));
        Assert.NotEqual(baseline, AuditEntry.ComputeHash(3, "vote", "p", key, "a", 10, "", Sha256Hash.Read(new byte[] { 1 }.Concat(new byte[31]).ToArray())));
    }

    [Fact]
    public void Sha256Hash_RoundTripsThroughBytesAndHex()
    {
        var bytes = SHA256.HashData("x"u8);

        var hash = Sha256Hash.Read(bytes);

        Assert.Equal(bytes, hash.ToArray());
        Assert.Equal(Convert.ToHexStringLower(bytes), hash.ToString());
        Assert.Equal(new string('0', 64), Sha256Hash.Zero.ToString());
    }
}
