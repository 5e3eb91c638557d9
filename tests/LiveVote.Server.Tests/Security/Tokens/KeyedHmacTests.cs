using System.Security.Cryptography;
using System.Text;
using LiveVote.Server.Security.Hashing;
using LiveVote.Server.Security.Tokens;

namespace LiveVote.Server.Tests.Security.Tokens;

/// <summary>
/// The keyed HMAC gives exactly HMAC-SHA256, however many callers share it, in both of its ways: OpenSSL's low-level
/// SHA-256 with the pad states computed once (native), and .NET's reused keyed contexts.
/// </summary>
public sealed class KeyedHmacTests
{
    private static readonly byte[] Key = Encoding.UTF8.GetBytes("keyed-hmac-test-key-0123456789abcdef");

    public static TheoryData<bool> Ways => [true, false];

    [Fact]
    public void Native_IsUsedOnLinuxWithOpenSsl3()
    {
        // The suite runs on Debian (test.sh), whose .NET depends on OpenSSL 3's libcrypto.so.3: the fast way must really
        // be the one the vote path takes there, or the native cases below would test nothing the server runs.
        Assert.True(OperatingSystem.IsLinux());
        Assert.True(LibCryptoSha256.IsAvailable);
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(1, true)]
    [InlineData(40, true)]
    [InlineData(55, true)]
    [InlineData(56, true)]
    [InlineData(64, true)]
    [InlineData(1000, true)]
    [InlineData(0, false)]
    [InlineData(40, false)]
    [InlineData(1000, false)]
    public void Compute_IsHmacSha256_EveryTime(int length, bool native)
    {
        var mac = new KeyedHmac(Key, native);
        var data = RandomNumberGenerator.GetBytes(length);
        var expected = HMACSHA256.HashData(Key, data);

        // The next MAC starts from the key again, not from the previous message.
        for (var i = 0; i < 3; i++)
        {
            var actual = new byte[KeyedHmac.MacSize];
            mac.Compute(data, actual);
            Assert.Equal(expected, actual);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(16)]
    [InlineData(32)]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(200)]
    public void Compute_WithKeysShorterAndLongerThanABlock_IsHmacSha256(int keyLength)
    {
        // RFC 2104: a key longer than SHA-256's 64-byte block is hashed first, a shorter one padded with zeros.
        var key = RandomNumberGenerator.GetBytes(keyLength);
        var data = RandomNumberGenerator.GetBytes(77);
        var actual = new byte[KeyedHmac.MacSize];

        new KeyedHmac(key, native: true).Compute(data, actual);

        Assert.Equal(HMACSHA256.HashData(key, data), actual);
    }

    [Theory]
    [MemberData(nameof(Ways))]
    public void Compute_InTwoParts_IsTheMacOfTheJoinedMessage(bool native)
    {
        var mac = new KeyedHmac(Key, native);
        var actual = new byte[KeyedHmac.MacSize];

        mac.Compute("poll-one\0"u8, "viewer-1"u8, actual);

        Assert.Equal(HMACSHA256.HashData(Key, "poll-one\0viewer-1"u8), actual);
    }

    [Theory]
    [MemberData(nameof(Ways))]
    public void Compute_UnderAnotherKey_DiffersFromThisKey(bool native)
    {
        var actual = new byte[KeyedHmac.MacSize];
        new KeyedHmac(Encoding.UTF8.GetBytes("another-key-of-at-least-32-bytes!!!!"), native).Compute("viewer-1"u8, actual);

        Assert.NotEqual(HMACSHA256.HashData(Key, "viewer-1"u8), actual);
    }

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task Compute_FromMoreThreadsThanSlots_GivesEveryCallerItsOwnRightMac(bool native)
    {
        // Many more callers at once than there are slots (or, natively, sharing the saved pad states): each must get the
        // MAC of its own message, never state another caller is half-way through.
        var mac = new KeyedHmac(Key, native);
        using var start = new Barrier(32);
        var wrong = 0;
        var workers = Enumerable.Range(0, 32).Select(worker => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait();
            var actual = new byte[KeyedHmac.MacSize];
            for (var i = 0; i < 2000; i++)
            {
                var data = Encoding.UTF8.GetBytes($"worker-{worker}-message-{i}");
                mac.Compute(data, actual);
                if (!actual.AsSpan().SequenceEqual(HMACSHA256.HashData(Key, data)))
                {
                    Interlocked.Increment(ref wrong);
                }
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();

        await Task.WhenAll(workers);

        Assert.Equal(0, wrong);
    }
}
