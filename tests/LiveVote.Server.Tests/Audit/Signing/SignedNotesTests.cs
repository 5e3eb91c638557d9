using LiveVote.Server.Audit;
using LiveVote.Server.Audit.Signing;
using Org.BouncyCastle.Crypto.Parameters;

namespace LiveVote.Server.Tests.Audit.Signing;

public sealed class SignedNotesTests
{
    // The C2SP signed-note example (golang.org/x/mod/sumdb/note): a note and key published with the format.
    private const string PeterNeumannKey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

    private const string PeterNeumannNote = "If you think cryptography is the answer to your problem,\n" +
                                            "then you don't know what your problem is.\n" +
                                            "\n" +
                                            "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

    [Fact]
    public void PublishedExampleNote_VerifiesWithItsPublishedKey()
    {
        Assert.True(SignedNotes.TryVerify(PeterNeumannNote, PeterNeumannKey, out var body));
        Assert.StartsWith("If you think", body, StringComparison.Ordinal);
        Assert.True(SignedNotes.TryParseVerifierKey(PeterNeumannKey, out var name, out var id, out var key));
        Assert.Equal("PeterNeumann", name);
        Assert.Equal(0xc74f20a3u, id);
        Assert.Equal(PeterNeumannKey, SignedNotes.VerifierKey(name, key));
    }

    [Fact]
    public void PublishedExampleNote_WithOneCharacterChanged_DoesNotVerify()
    {
        Assert.False(SignedNotes.TryVerify(PeterNeumannNote.Replace("answer", "Answer", StringComparison.Ordinal), PeterNeumannKey, out _));
    }

    [Fact]
    public void SignedNote_VerifiesWithItsKeyOnly()
    {
        var key = new Ed25519PrivateKeyParameters(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray(), 0);
        var other = new Ed25519PrivateKeyParameters(new byte[32], 0);
        var note = SignedNotes.Sign("livevote.test/poll/p-1/0.0\n3\nAAAA\n", "livevote.test", key);
        Assert.True(SignedNotes.TryVerify(note, SignedNotes.VerifierKey("livevote.test", key.GeneratePublicKey().GetEncoded()), out _));
        Assert.False(SignedNotes.TryVerify(note, SignedNotes.VerifierKey("livevote.test", other.GeneratePublicKey().GetEncoded()), out _));
        Assert.False(SignedNotes.TryVerify(note.Replace("\n3\n", "\n4\n", StringComparison.Ordinal),
            SignedNotes.VerifierKey("livevote.test", key.GeneratePublicKey().GetEncoded()), out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("no newline at the end")]
    [InlineData("a\n\nblank line inside\n")]
    public void NoteText_ThatIsNotLines_IsRefused(string body)
    {
        var key = new Ed25519PrivateKeyParameters(new byte[32], 0);
        Assert.Throws<ArgumentException>(() => SignedNotes.Sign(body, "k", key));
    }

    [Theory]
    [InlineData("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")]
    [InlineData("Other+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")]
    [InlineData("PeterNeumann+c74f20a3+ApBc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")]
    [InlineData("PeterNeumann+c74f20a3")]
    [InlineData("PeterNeumann+zzzzzzzz+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")]
    public void VerifierKey_WhoseIdDoesNotMatchItsNameAndBytes_IsRefused(string verifierKey)
    {
        Assert.False(SignedNotes.TryParseVerifierKey(verifierKey, out _, out _, out _));
    }

    [Fact]
    public void Checkpoint_ReadsBackWhatWasWritten()
    {
        var root = Sha256Hash.Read(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());
        var origin = Checkpoints.Origin("votes.example.com", "p-final", 1, 7);
        Assert.Equal("votes.example.com/poll/p-final/1.7", origin);
        var body = Checkpoints.Body(origin, 1234, root, 1_765_000_000_123);
        Assert.Equal("votes.example.com/poll/p-final/1.7\n1234\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\ntime 1765000000123\n", body);
        var key = new Ed25519PrivateKeyParameters(new byte[32], 0);
        Assert.True(Checkpoints.TryParse(SignedNotes.Sign(body, "k", key), out var parsed));
        Assert.Equal(new CheckpointBody(origin, 1234, root, 1_765_000_000_123), parsed);
    }

    [Theory]
    [InlineData("o\n-1\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\ntime 1\n")]
    [InlineData("o\n12\nAAEC\ntime 1\n")]
    [InlineData("o\n12\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n")]
    [InlineData("\n12\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\ntime 1\n")]
    public void Checkpoint_MalformedText_IsNotRead(string body)
    {
        Assert.False(Checkpoints.TryParse(body + "\n\u2014 k AAAA\n", out _));
    }
}
