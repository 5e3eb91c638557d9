using LiveVote.Cli.Audit.Logs;

namespace LiveVote.Cli.Tests.Audit.Logs;

/// <summary>
/// The CLI's signed-note code against the published example of C2SP signed-note / golang.org/x/mod/sumdb/note
/// (the PeterNeumann key and note), and against notes signed by the test signer.
/// </summary>
public sealed class SignedNoteTests
{
    private const string PeterKey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

    private const string PeterText = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";

    private const string PeterNote = PeterText + "\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

    [Fact]
    public void PublishedNote_VerifiesWithThePublishedKey()
    {
        Assert.True(NoteVerifierKey.TryParse(PeterKey, out var key, out var error), error);
        Assert.True(SignedNote.TryParse(PeterNote, out var note, out error), error);

        Assert.Equal(PeterText, note.Body);
        Assert.Equal(0xc74f20a3u, key.KeyId);
        Assert.True(key.Verifies(note));
    }

    [Fact]
    public void PublishedNote_WithOneLetterChanged_DoesNotVerify()
    {
        Assert.True(NoteVerifierKey.TryParse(PeterKey, out var key, out _));
        Assert.True(SignedNote.TryParse(PeterNote.Replace("cryptography", "cryptographY", StringComparison.Ordinal), out var note, out _));

        Assert.False(key.Verifies(note));
    }

    [Theory]
    [InlineData("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "does not match")]
    [InlineData("PeterNeumann+c74f20a3+AhpC2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "Ed25519")]
    [InlineData("PeterNeumann+c74f20a3", "name+keyid+base64key")]
    public void MalformedOrMismatchedKey_IsRefusedSayingWhy(string text, string why)
    {
        Assert.False(NoteVerifierKey.TryParse(text, out _, out var error));
        Assert.Contains(why, error, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckpointSignedByTheTestSigner_ParsesAndVerifies_AndAnotherKeyRefusesIt()
    {
        var signer = new TestLogSigner();
        var root = new byte[32];
        root[0] = 9;
        var note = signer.Sign($"{TestLogSigner.Origin}/poll/p-1/1.7\n120\n{Convert.ToBase64String(root)}\ntime 1700000000000\n");

        Assert.True(SignedNote.TryParse(note, out var parsed, out var error), error);
        Assert.True(LogCheckpoint.TryParse(parsed, out var checkpoint, out error), error);
        Assert.Equal(new LogId("p-1", 1, 7), checkpoint.Log);
        Assert.Equal(120, checkpoint.Size);
        Assert.Equal(root, checkpoint.Root);
        Assert.Equal(1700000000000, checkpoint.AtUnixMs);
        Assert.True(NoteVerifierKey.TryParse(signer.VerifierKey, out var key, out error), error);
        Assert.True(key.Verifies(parsed));
        Assert.True(NoteVerifierKey.TryParse(new TestLogSigner("other.test", 8).VerifierKey, out var other, out _));
        Assert.False(other.Verifies(parsed));
    }
}
