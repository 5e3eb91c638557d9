using System.Security.Cryptography;
using System.Text;
using LiveVote.Server.Votes;

namespace LiveVote.Server.Tests.Votes;

public sealed class VoterKeyDeriverTests
{
    private static readonly byte[] Secret = Encoding.UTF8.GetBytes("voter-key-secret-0123456789abcdef-0");
    private static readonly byte[] OtherSecret = Encoding.UTF8.GetBytes("voter-key-secret-0123456789abcdef-1");

    [Fact]
    public void Derive_IsDeterministic_AcrossInstances()
    {
        Assert.Equal(new VoterKeyDeriver(Secret).Derive("viewer-1"), new VoterKeyDeriver([.. Secret]).Derive("viewer-1"));
    }

    [Fact]
    public void Derive_IsTheFirst128BitsOfHmacSha256()
    {
        var expected = HMACSHA256.HashData(Secret, "viewer-1"u8)[..16];

        Assert.Equal(Convert.ToHexStringLower(expected), new VoterKeyDeriver(Secret).Derive("viewer-1").ToString());
    }

    [Fact]
    public void Derive_WithDifferentSecrets_Differs()
    {
        Assert.NotEqual(new VoterKeyDeriver(Secret).Derive("viewer-1"), new VoterKeyDeriver(OtherSecret).Derive("viewer-1"));
    }

    [Fact]
    public void Derive_ForDifferentViewers_Differs()
    {
        var deriver = new VoterKeyDeriver(Secret);
        var keys = Enumerable.Range(0, 10_000).Select(i => deriver.Derive("viewer-" + i)).ToHashSet();

        Assert.Equal(10_000, keys.Count);
    }

    [Fact]
    public void Derive_DoesNotRevealTheViewerId()
    {
        var key = new VoterKeyDeriver(Secret).Derive("alice").ToString();

        Assert.Matches("^[0-9a-f]{32}$", key);
        Assert.DoesNotContain(Convert.ToHexStringLower("alice"u8), key, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_ShortSecret_Throws()
    {
        Assert.Throws<ArgumentException>(() => new VoterKeyDeriver(new byte[31]));
    }

    [Fact]
    public void VoterKey_RoundTripsThroughBytes()
    {
        var key = new VoterKey(0x0123456789abcdef, 0xfedcba9876543210);

        Assert.Equal(key, VoterKey.Read(key.ToArray()));
        Assert.Equal("0123456789abcdeffedcba9876543210", key.ToString());
    }
}
