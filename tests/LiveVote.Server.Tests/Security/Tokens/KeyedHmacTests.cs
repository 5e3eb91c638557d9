using System.Security.Cryptography;
using System.Text;
using LiveVote.Server.Security.Tokens;

namespace LiveVote.Server.Tests.Security.Tokens;

/// <summary>The reused keyed HMAC contexts give exactly HMAC-SHA256, however many callers share them.</summary>
public sealed class KeyedHmacTests
{
    private static readonly byte[] Key = Encoding.UTF8.GetBytes("keyed-hmac-test-key-0123456789abcdef");

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(40)]
    [InlineData(64)]
    [InlineData(1000)]
    public void Compute_IsHmacSha256_EveryTime(int length)
    {
        var mac = new KeyedHmac(Key);
        var data = RandomNumberGenerator.GetBytes(length);
        var expected = HMACSHA256.HashData(Key, data);

        // A context put back after one MAC starts the next from the key again, not from the previous message.
        for (var i = 0; i < 3; i++)
        {
            var actual = new byte[KeyedHmac.MacSize];
            mac.Compute(data, actual);
            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public void Compute_InTwoParts_IsTheMacOfTheJoinedMessage()
    {
        var mac = new KeyedHmac(Key);
        var actual = new byte[KeyedHmac.MacSize];

        mac.Compute("poll-one\0"u8, "viewer-1"u8, actual);

        Assert.Equal(HMACSHA256.HashData(Key, "poll-one\0viewer-1"u8), actual);
    }

    [Fact]
    public void Compute_UnderAnotherKey_DiffersFromThisKey()
    {
        var actual = new byte[KeyedHmac.MacSize];
        new KeyedHmac(Encoding.UTF8.GetBytes("another-key-of-at-least-32-bytes!!!!")).Compute("viewer-1"u8, actual);

        Assert.NotEqual(HMACSHA256.HashData(Key, "viewer-1"u8), actual);
    }

    [Fact]
    public async Task Compute_FromMoreThreadsThanSlots_GivesEveryCallerItsOwnRightMac()
    {
        // Many more callers at once than there are slots: each must get the MAC of its own message, never a context
        // another caller is half-way through.
        var mac = new KeyedHmac(Key);
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
