using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using LiveVote.Server.Polls;
using LiveVote.Server.Security.Tokens;
using LiveVote.Server.Tests.Infrastructure;
using LiveVote.Server.Votes;

namespace LiveVote.Server.Tests.Votes;

public sealed class PollVoterKeysTests
{
    private static readonly byte[] FleetSecret = Encoding.UTF8.GetBytes(LiveVoteServer.VoterKeySecret);

    private static PollVoterKeys Node() => new(new VoterKeyDeriver(FleetSecret), new VoterSecretWrapping(FleetSecret));

    private static Poll NewPoll(string id, VoterSecretWrapping? wrapping = null) =>
        new(id, "t", [new PollOption("a", "A")], PollStatus.Open, DateTimeOffset.UnixEpoch, null, null)
        {
            VoterSecret = (wrapping ?? new VoterSecretWrapping(FleetSecret)).NewFor(id),
        };

    [Fact]
    public void OneViewer_HasUnrelatedKeysInTwoPolls()
    {
        var node = Node();
        Assert.True(node.TryDerive(NewPoll("poll-one"), "viewer-1", out var first));
        Assert.True(node.TryDerive(NewPoll("poll-two"), "viewer-1", out var second));

        Assert.NotEqual(first, second);
    }

    [Fact]
    public void EveryNode_DerivesTheSameKeyFromThePollsStoredSecret()
    {
        // The secret travels wrapped with the poll row: a node that never saw it made derives the same key, and with it
        // the same partition.
        var poll = NewPoll("poll-one");
        var readBack = poll with { VoterSecret = new PollVoterSecret(poll.VoterSecret!.ToArray()) };

        Assert.True(Node().TryDerive(poll, "viewer-1", out var onMaker));
        Assert.True(Node().TryDerive(readBack, "viewer-1", out var onOther));

        Assert.Equal(onMaker, onOther);
        Assert.Equal(VoterPartitioner.PartitionOf(onMaker, 7), VoterPartitioner.PartitionOf(onOther, 7));
        Assert.Equal(poll, readBack);
    }

    [Fact]
    public void Key_IsTheDocumentedDerivation_AsTheTestsComputeIt()
    {
        var poll = NewPoll("poll-one");
        Assert.True(Node().TryDerive(poll, "issuer|viewer-ü", out var key));

        Assert.Equal(TestVoterKeys.FromWrapped(poll.Id, poll.VoterSecret!.ToArray()).Hex("issuer|viewer-ü"), key.ToString());
    }

    [Fact]
    public void PollFromBeforePerPollKeys_KeepsTheFleetWideKey()
    {
        var legacy = NewPoll("old-poll") with { VoterSecret = null };

        Assert.True(Node().TryDerive(legacy, "viewer-1", out var key));

        Assert.Equal(new VoterKeyDeriver(FleetSecret).Derive("viewer-1"), key);
        Assert.Equal(TestVoterKeys.FromWrapped("old-poll", null).Hex("viewer-1"), key.ToString());
    }

    [Fact]
    public void PollWhoseSecretWasDestroyed_HasNoKeys()
    {
        var closed = NewPoll("poll-one").MoveTo(PollStatus.Closed, DateTimeOffset.UnixEpoch.AddHours(1));
        var destroyed = closed.Apply(PollCommandKind.DestroyVoterKeys, DateTimeOffset.UnixEpoch.AddDays(90), []);

        Assert.Equal(LiveVote.Server.Audit.AuditKinds.VoterKeysDestroyed, destroyed.AuditKind);
        Assert.Null(destroyed.Next!.VoterSecret);
        Assert.False(Node().TryDerive(destroyed.Next, "viewer-1", out _));
        Assert.True(destroyed.Next.Apply(PollCommandKind.DestroyVoterKeys, DateTimeOffset.UnixEpoch.AddDays(91), []).IsUnchanged);
    }

    [Fact]
    public void Destroying_IsRefusedWhileOpen_AndForAPollWithoutASecret()
    {
        Assert.True(NewPoll("poll-one").Apply(PollCommandKind.DestroyVoterKeys, DateTimeOffset.UnixEpoch, []).IsRefused);
        var legacyClosed = (NewPoll("old-poll") with { VoterSecret = null }).MoveTo(PollStatus.Closed, DateTimeOffset.UnixEpoch);
        Assert.True(legacyClosed.Apply(PollCommandKind.DestroyVoterKeys, DateTimeOffset.UnixEpoch, []).IsRefused);
    }

    [Fact]
    public void WrappedSecret_OpensOnlyForItsPoll_AndOnlyWithTheFleetsKey()
    {
        var wrapping = new VoterSecretWrapping(FleetSecret);
        var secret = wrapping.NewFor("poll-one");

        Assert.Equal(VoterSecretWrapping.SecretSize, wrapping.Unwrap("poll-one", secret).Length);
        Assert.ThrowsAny<CryptographicException>(() => wrapping.Unwrap("poll-two", secret));
        Assert.ThrowsAny<CryptographicException>(() => new VoterSecretWrapping(new byte[32]).Unwrap("poll-one", secret));
        Assert.NotEqual(wrapping.NewFor("poll-one"), secret);
    }

    [Fact]
    public void OnePollsSecret_NeverShowsInItsTextForms()
    {
        var poll = NewPoll("poll-one");
        var wrapped = poll.VoterSecret!.ToArray();

        Assert.DoesNotContain(Convert.ToHexStringLower(wrapped), poll.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Convert.ToBase64String(wrapped), poll.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(wrapped), System.Text.Json.JsonSerializer.Serialize(poll.ToDto(), Contracts.ContractsJsonContext.Default.PollDto), StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(wrapped), LiveVote.Server.Storage.StorageJsonContext.DefinitionJson(poll), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("viewer-1")]
    [InlineData("issuer|viewer-ü")]
    public void TokenViewer_GetsTheKeyOfItsText_InEveryPollAndAgain(string viewerId)
    {
        // The vote path derives from the token's UTF-8 bytes with reused HMAC contexts: the same key as the documented
        // derivation of the id's text, for a per-poll secret (twice: the cached contexts start over) and the fleet's.
        var node = Node();
        var poll = NewPoll("poll-one");
        var legacy = NewPoll("old-poll") with { VoterSecret = null };
        Assert.True(TokenViewerId.TryFromUtf8(Encoding.UTF8.GetBytes(viewerId), out var fromToken));
        var expected = TestVoterKeys.FromWrapped(poll.Id, poll.VoterSecret!.ToArray()).Hex(viewerId);

        for (var i = 0; i < 2; i++)
        {
            Assert.True(node.TryDerive(poll, fromToken, out var key));
            Assert.Equal(expected, key.ToString());
            Assert.True(node.TryDerive(poll, new TokenViewerId(viewerId), out var fromText));
            Assert.Equal(expected, fromText.ToString());
            Assert.True(node.TryDerive(legacy, fromToken, out var legacyKey));
            Assert.Equal(new VoterKeyDeriver(FleetSecret).Derive(viewerId), legacyKey);
        }
    }

    [Fact]
    public void TwoPolls_OnOneNode_KeepTheirOwnKeys_WhenDerivedInTurn()
    {
        // Each poll secret has its own contexts and its own poll-id prefix: alternating polls must not mix them.
        var node = Node();
        var one = NewPoll("poll-one");
        var two = NewPoll("poll-two");
        var expectedOne = PollVoterKeys.Derive(new VoterSecretWrapping(FleetSecret).Unwrap(one.Id, one.VoterSecret!), one.Id, "viewer-1");
        var expectedTwo = PollVoterKeys.Derive(new VoterSecretWrapping(FleetSecret).Unwrap(two.Id, two.VoterSecret!), two.Id, "viewer-1");

        for (var i = 0; i < 3; i++)
        {
            Assert.True(node.TryDerive(one, "viewer-1", out var keyOne));
            Assert.True(node.TryDerive(two, "viewer-1", out var keyTwo));
            Assert.Equal(expectedOne, keyOne);
            Assert.Equal(expectedTwo, keyTwo);
        }
    }
}
