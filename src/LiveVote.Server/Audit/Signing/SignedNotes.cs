using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace LiveVote.Server.Audit.Signing;

/// <summary>
/// C2SP signed-note (https://c2sp.org/signed-note) with Ed25519 keys: a note is its text (lines ending in '\n'), a blank
/// line, then signature lines <c>— {keyName} {base64(keyId || signature)}</c>. The key id is the first four bytes of
/// <c>SHA-256(keyName || '\n' || 0x01 || publicKey)</c>; a verifier key is written <c>{name}+{keyId hex}+{base64(0x01 ||
/// publicKey)}</c>. Anyone can check a note with the published verifier key and no LiveVote code.
/// </summary>
public static class SignedNotes
{
    /// <summary>Algorithm byte of Ed25519 in signed notes.</summary>
    public const byte Ed25519Algorithm = 0x01;

    public const string SignaturePrefix = "\u2014 ";

    public static uint KeyId(string keyName, ReadOnlySpan<byte> publicKey)
    {
        var name = Encoding.UTF8.GetBytes(keyName);
        var input = new byte[name.Length + 2 + publicKey.Length];
        name.CopyTo(input, 0);
        input[name.Length] = (byte)'\n';
        input[name.Length + 1] = Ed25519Algorithm;
        publicKey.CopyTo(input.AsSpan(name.Length + 2));
        return BinaryPrimitives.ReadUInt32BigEndian(SHA256.HashData(input));
    }

    public static string VerifierKey(string keyName, ReadOnlySpan<byte> publicKey)
    {
        var encoded = new byte[1 + publicKey.Length];
        encoded[0] = Ed25519Algorithm;
        publicKey.CopyTo(encoded.AsSpan(1));
        return $"{keyName}+{KeyId(keyName, publicKey):x8}+{Convert.ToBase64String(encoded)}";
    }

    /// <summary>Parses a verifier key; false unless it is an Ed25519 key whose id matches its name and bytes.</summary>
    public static bool TryParseVerifierKey(string verifierKey, out string keyName, out uint keyId, out byte[] publicKey)
    {
        keyName = "";
        keyId = 0;
        publicKey = [];
        var parts = verifierKey.Split('+', 3); // the base64 part may itself hold '+'
        if (parts.Length != 3 || parts[0].Length == 0 || parts[1].Length != 8 || !uint.TryParse(parts[1], System.Globalization.NumberStyles.HexNumber, null, out keyId))
        {
            return false;
        }

        byte[] encoded;
        try
        {
            encoded = Convert.FromBase64String(parts[2]);
        }
        catch (FormatException)
        {
            return false;
        }

        if (encoded.Length != 33 || encoded[0] != Ed25519Algorithm)
        {
            return false;
        }

        keyName = parts[0];
        publicKey = encoded[1..];
        return KeyId(keyName, publicKey) == keyId;
    }

    /// <summary>The note's text: everything before the blank line, including its final newline.</summary>
    public static string Body(string note)
    {
        var end = note.IndexOf("\n\n", StringComparison.Ordinal);
        return end < 0 ? note : note[..(end + 1)];
    }

    /// <summary>The note with one signature line by <paramref name="privateKey"/> appended.</summary>
    public static string Sign(string body, string keyName, Ed25519PrivateKeyParameters privateKey)
    {
        if (body.Length == 0 || !body.EndsWith('\n') || body.Contains("\n\n", StringComparison.Ordinal))
        {
            throw new ArgumentException("A note's text is non-empty lines, each ending in a newline.", nameof(body));
        }

        var message = Encoding.UTF8.GetBytes(body);
        var signer = new Ed25519Signer();
        signer.Init(true, privateKey);
        signer.BlockUpdate(message, 0, message.Length);
        var signature = signer.GenerateSignature();
        var line = new byte[4 + signature.Length];
        BinaryPrimitives.WriteUInt32BigEndian(line, KeyId(keyName, privateKey.GeneratePublicKey().GetEncoded()));
        signature.CopyTo(line, 4);
        return $"{body}\n{SignaturePrefix}{keyName} {Convert.ToBase64String(line)}\n";
    }

    /// <summary>Whether the note carries a valid signature by <paramref name="verifierKey"/>; its text comes out either way.</summary>
    public static bool TryVerify(string note, string verifierKey, out string body)
    {
        body = Body(note);
        if (!TryParseVerifierKey(verifierKey, out var keyName, out var keyId, out var publicKey) || body.Length == note.Length)
        {
            return false;
        }

        var message = Encoding.UTF8.GetBytes(body);
        foreach (var line in note[(body.Length + 1)..].Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!line.StartsWith(SignaturePrefix, StringComparison.Ordinal))
            {
                return false;
            }

            var fields = line[SignaturePrefix.Length..].Split(' ');
            if (fields.Length != 2 || fields[0] != keyName)
            {
                continue;
            }

            byte[] signed;
            try
            {
                signed = Convert.FromBase64String(fields[1]);
            }
            catch (FormatException)
            {
                continue;
            }

            if (signed.Length != 4 + 64 || BinaryPrimitives.ReadUInt32BigEndian(signed) != keyId)
            {
                continue;
            }

            var verifier = new Ed25519Signer();
            verifier.Init(false, new Ed25519PublicKeyParameters(publicKey, 0));
            verifier.BlockUpdate(message, 0, message.Length);
            if (verifier.VerifySignature(signed[4..]))
            {
                return true;
            }
        }

        return false;
    }
}
