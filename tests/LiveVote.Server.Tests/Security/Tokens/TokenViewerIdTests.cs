using System.Text;
using LiveVote.Server.Security.Tokens;

namespace LiveVote.Server.Tests.Security.Tokens;

/// <summary>A validated token's viewer: held as UTF-8 bytes or as text, it is the same viewer either way.</summary>
public sealed class TokenViewerIdTests
{
    [Fact]
    public void HeldAsBytes_AndAsText_AreTheSameViewer()
    {
        Assert.True(TokenViewerId.TryFromUtf8("viewer-ü-1"u8, out var bytes));
        var text = new TokenViewerId("viewer-ü-1");

        Assert.Equal(text, bytes);
        Assert.True(text == bytes);
        Assert.Equal(text.GetHashCode(), bytes.GetHashCode());
        Assert.Equal("viewer-ü-1", bytes.ToString());
        Assert.Equal("viewer-ü-1", (string)bytes);
        Assert.Equal("viewer-ü-1"u8.ToArray(), bytes.Utf8(stackalloc byte[64]).ToArray());
        Assert.Equal("viewer-ü-1"u8.ToArray(), text.Utf8(stackalloc byte[64]).ToArray());
    }

    [Fact]
    public void DifferentViewers_AreNotEqual()
    {
        Assert.True(TokenViewerId.TryFromUtf8("viewer-1"u8, out var one));
        Assert.True(TokenViewerId.TryFromUtf8("viewer-2"u8, out var two));

        Assert.NotEqual(one, two);
        Assert.NotEqual(new TokenViewerId("viewer-1"), two);
        Assert.True(one != two);
    }

    [Fact]
    public void BytesBeyondTheInlineSize_AreNotHeldInPlace()
    {
        Assert.True(TokenViewerId.TryFromUtf8(new byte[TokenViewerId.InlineBytes], out _));
        Assert.False(TokenViewerId.TryFromUtf8(new byte[TokenViewerId.InlineBytes + 1], out _));
    }

    [Fact]
    public void TextLongerThanTheScratch_IsStillEncodedWhole()
    {
        // An external issuer's "issuer|sub" can be long: the UTF-8 must be the whole id, never cut to the scratch.
        var id = "https://issuer.example/" + new string('x', 300);

        Assert.Equal(Encoding.UTF8.GetBytes(id), new TokenViewerId(id).Utf8(stackalloc byte[16]).ToArray());
    }

    [Fact]
    public void Empty_IsEmptyEitherWay()
    {
        Assert.True(new TokenViewerId("").IsEmpty);
        Assert.True(TokenViewerId.TryFromUtf8([], out var none) && none.IsEmpty);
        Assert.False(new TokenViewerId("v").IsEmpty);
    }
}
