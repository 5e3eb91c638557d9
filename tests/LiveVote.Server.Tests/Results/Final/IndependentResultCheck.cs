using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace LiveVote.Server.Tests.Results.Final;

/// <summary>
/// A signed result statement checked without the server's code, from the documented formats only (docs/design.md 7.6,
/// C2SP signed-note, RFC 9162): the Ed25519 signature against the public key of the configured seed, the key id, the
/// body's lines, and each log's root recomputed from the audit rows' entry hashes.
/// </summary>
internal static class IndependentResultCheck
{
    /// <summary>The statement's body lines (without their <c>\n</c>), after checking its one signature.</summary>
    public static string[] VerifiedBody(string note, string signingSeedBase64, string keyName)
    {
        var blank = note.IndexOf("\n\n", StringComparison.Ordinal);
        Assert.True(blank > 0, "the note has no blank line before its signature");
        var body = note[..(blank + 1)];
        var signatureLines = note[(blank + 2)..].Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var line = Assert.Single(signatureLines);
        Assert.StartsWith($"\u2014 {keyName} ", line, StringComparison.Ordinal);
        var blob = Convert.FromBase64String(line[$"\u2014 {keyName} ".Length..]);
        Assert.Equal(4 + 64, blob.Length);

        var publicKey = new Ed25519PrivateKeyParameters(Convert.FromBase64String(signingSeedBase64)).GeneratePublicKey();
        var keyId = SHA256.HashData([.. Encoding.UTF8.GetBytes(keyName), 0x0A, 0x01, .. publicKey.GetEncoded()]);
        Assert.Equal(BinaryPrimitives.ReadUInt32BigEndian(keyId), BinaryPrimitives.ReadUInt32BigEndian(blob));
        var verifier = new Ed25519Signer();
        verifier.Init(false, publicKey);
        var signed = Encoding.UTF8.GetBytes(body);
        verifier.BlockUpdate(signed, 0, signed.Length);
        Assert.True(verifier.VerifySignature(blob[4..]), "the statement's Ed25519 signature does not verify");
        return body[..^1].Split('\n');
    }

    /// <summary>RFC 9162 2.1.1: the Merkle tree hash of the leaves (entry hashes), by the tests' own RFC code.</summary>
    public static byte[] Root(IReadOnlyList<byte[]> entryHashes) =>
        Convert.FromHexString(Infrastructure.IndependentMerkle.Root([.. entryHashes.Select(h => Infrastructure.IndependentMerkle.LeafHash(Convert.ToHexStringLower(h)))]));

    /// <summary>The statement's <c>option</c> lines as id -> count, in order.</summary>
    public static List<KeyValuePair<string, long>> Options(string[] body) =>
        [.. body.Where(l => l.StartsWith("option ", StringComparison.Ordinal)).Select(l => l.Split(' '))
            .Select(p => new KeyValuePair<string, long>(p[1], long.Parse(p[2], CultureInfo.InvariantCulture)))];

    /// <summary>The statement's <c>log</c> lines: (log id, size, root bytes), in order.</summary>
    public static List<(string Log, long Size, byte[] Root)> Logs(string[] body) =>
        [.. body.Where(l => l.StartsWith("log ", StringComparison.Ordinal)).Select(l => l.Split(' '))
            .Select(p => (p[1], long.Parse(p[2], CultureInfo.InvariantCulture), Convert.FromBase64String(p[3])))];

    public static long Field(string[] body, string name) =>
        long.Parse(Assert.Single(body, l => l.StartsWith(name + " ", StringComparison.Ordinal))[(name.Length + 1)..], CultureInfo.InvariantCulture);
}
