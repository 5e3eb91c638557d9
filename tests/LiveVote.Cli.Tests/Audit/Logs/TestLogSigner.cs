using System.Security.Cryptography;
using System.Text;
using LiveVote.Server.Tests.Infrastructure;
using Org.BouncyCastle.Math.EC.Rfc8032;

namespace LiveVote.Cli.Tests.Audit.Logs;

/// <summary>
/// Signs notes as the server does (C2SP signed-note, Ed25519, key id = SHA-256(name || 0x0A || 0x01 || key)[:4]), written
/// here from the specification (not with the CLI's code under test). By default with the test servers' own key
/// (<see cref="LiveVoteServer.AuditSigningKey"/>, name = the default origin), so heads a server signed verify alike.
/// </summary>
public sealed class TestLogSigner
{
    public const string Origin = "livevote.local";

    private readonly byte[] _seed;
    private readonly byte[] _publicKey = new byte[Ed25519.PublicKeySize];
    private readonly byte[] _keyId;

    public TestLogSigner()
        : this(Origin, Convert.FromBase64String(LiveVoteServer.AuditSigningKey))
    {
    }

    public TestLogSigner(string name, byte seedByte)
        : this(name, Enumerable.Repeat(seedByte, Ed25519.SecretKeySize).ToArray())
    {
    }

    private TestLogSigner(string name, byte[] seed)
    {
        Name = name;
        _seed = seed;
        Ed25519.GeneratePublicKey(_seed, 0, _publicKey, 0);
        _keyId = SHA256.HashData([.. Encoding.UTF8.GetBytes(name), 0x0A, 0x01, .. _publicKey])[..4];
        VerifierKey = $"{name}+{Convert.ToHexStringLower(_keyId)}+{Convert.ToBase64String([0x01, .. _publicKey])}";
    }

    public string Name { get; }

    public string VerifierKey { get; }

    public string Sign(string body)
    {
        var message = Encoding.UTF8.GetBytes(body);
        var signature = new byte[Ed25519.SignatureSize];
        Ed25519.Sign(_seed, 0, message, 0, message.Length, signature, 0);
        return $"{body}\n\u2014 {Name} {Convert.ToBase64String([.. _keyId, .. signature])}\n";
    }
}

/// <summary>RFC 9162 MTH, the recursive definition of section 2.1.1 as it reads (independent of the CLI's frontier).</summary>
public static class ReferenceMerkle
{
    public static byte[] LeafHash(byte[] data) => SHA256.HashData([0x00, .. data]);

    public static byte[] Root(IReadOnlyList<byte[]> leafData, int size) => size == 0 ? SHA256.HashData([]) : Mth(leafData, 0, size);

    private static byte[] Mth(IReadOnlyList<byte[]> leaves, int start, int n)
    {
        if (n == 1)
        {
            return LeafHash(leaves[start]);
        }

        var k = 1;
        while (k * 2 < n)
        {
            k *= 2;
        }

        return SHA256.HashData([0x01, .. Mth(leaves, start, k), .. Mth(leaves, start + k, n - k)]);
    }
}
