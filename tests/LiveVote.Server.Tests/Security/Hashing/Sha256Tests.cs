using System.Security.Cryptography;
using LiveVote.Server.Security.Hashing;

namespace LiveVote.Server.Tests.Security.Hashing;

/// <summary>The vote path's SHA-256 (OpenSSL's low-level functions where present) gives .NET's digest for every input.</summary>
public sealed class Sha256Tests
{
    [Fact]
    public void HashData_OfEveryLengthAcrossBlockBoundaries_IsSha256()
    {
        // 0-300 bytes covers the empty input, the 55/56-byte padding edge, whole blocks and several blocks.
        var data = RandomNumberGenerator.GetBytes(300);
        var actual = new byte[Sha256.HashSize];
        for (var length = 0; length <= data.Length; length++)
        {
            Sha256.HashData(data.AsSpan(0, length), actual);
            Assert.Equal(SHA256.HashData(data.AsSpan(0, length)), actual);
        }
    }

    [Fact]
    public void HashData_IntoALongerBuffer_WritesOnlyTheFirst32Bytes()
    {
        var buffer = Enumerable.Repeat((byte)0xAA, 40).ToArray();

        Sha256.HashData("abc"u8, buffer);

        Assert.Equal(SHA256.HashData("abc"u8), buffer[..32]);
        Assert.All(buffer[32..], b => Assert.Equal(0xAA, b));
    }

    [Fact]
    public void Final_IntoLessThan32Bytes_IsRefused()
    {
        var context = default(LibCryptoSha256.Context);
        LibCryptoSha256.Init(ref context);

        Assert.Throws<ArgumentOutOfRangeException>(() => LibCryptoSha256.Final(ref context, new byte[31]));
    }
}
