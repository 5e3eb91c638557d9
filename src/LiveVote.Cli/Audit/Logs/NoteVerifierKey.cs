using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Math.EC.Rfc8032;

namespace LiveVote.Cli.Audit.Logs;

/// <summary>
/// A C2SP signed-note verifier key, Ed25519 only: <c>{name}+{keyId as 8 lower hex}+{base64(0x01 || publicKey32)}</c>,
/// where keyId is the first 4 bytes (big-endian) of <c>SHA-256(name || 0x0A || 0x01 || publicKey32)</c>. The auditor
/// gives it with <c>--key</c>, as published at <c>/.well-known/livevote/audit-keys</c> (<c>verifierKey</c>).
/// </summary>
internal sealed record NoteVerifierKey(string Text, string Name, uint KeyId, byte[] PublicKey)
{
    private const byte Ed25519Algorithm = 0x01;

    public static bool TryParse(string text, out NoteVerifierKey key, out string error)
    {
        key = null!;
        // At most three parts: the base64 key itself may contain '+'.
        var parts = text.Trim().Split('+', 3);
        if (parts.Length != 3 || parts[0].Length == 0 || parts[0].Any(char.IsWhiteSpace))
        {
            error = "a verifier key reads name+keyid+base64key";
            return false;
        }

        if (parts[1].Length != 8 || !uint.TryParse(parts[1], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var keyId))
        {
            error = $"key id '{parts[1]}' is not 8 hex digits";
            return false;
        }

        byte[] encoded;
        try
        {
            encoded = Convert.FromBase64String(parts[2]);
        }
        catch (FormatException)
        {
            error = "the key is not base64";
            return false;
        }

        if (encoded.Length != 33 || encoded[0] != Ed25519Algorithm)
        {
            error = "only Ed25519 keys (0x01 followed by 32 bytes) are supported";
            return false;
        }

        var publicKey = encoded[1..];
        if (ComputeKeyId(parts[0], publicKey) != keyId)
        {
            error = $"key id {parts[1]} does not match the name and public key";
            return false;
        }

        key = new NoteVerifierKey(text.Trim(), parts[0], keyId, publicKey);
        error = "";
        return true;
    }

    public static uint ComputeKeyId(string name, ReadOnlySpan<byte> publicKey)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var input = new byte[nameBytes.Length + 2 + publicKey.Length];
        nameBytes.CopyTo(input, 0);
        input[nameBytes.Length] = 0x0A;
        input[nameBytes.Length + 1] = Ed25519Algorithm;
        publicKey.CopyTo(input.AsSpan(nameBytes.Length + 2));
        var hash = SHA256.HashData(input);
        return (uint)((hash[0] << 24) | (hash[1] << 16) | (hash[2] << 8) | hash[3]);
    }

    /// <summary>True when one of the note's signature lines is this key's (name and id) and verifies over its body.</summary>
    public bool Verifies(SignedNote note)
    {
        ArgumentNullException.ThrowIfNull(note);
        var body = note.BodyBytes;
        return note.Signatures.Any(s => s.KeyId == KeyId && string.Equals(s.KeyName, Name, StringComparison.Ordinal)
                                        && s.Signature.Length == Ed25519.SignatureSize
                                        && Ed25519.Verify(s.Signature, 0, PublicKey, 0, body, 0, body.Length));
    }
}
