using LiveVote.Server.Hosting;
using LiveVote.Server.Security;
using Microsoft.Extensions.Options;
using Org.BouncyCastle.Crypto.Parameters;

namespace LiveVote.Server.Audit.Signing;

/// <summary>A key an auditor checks notes with, as published at the well-known URL.</summary>
public sealed record PublishedAuditKey(string Name, uint KeyId, byte[] PublicKey, string VerifierKey, bool Active);

/// <summary>
/// Signs the audit's notes (checkpoints and results) with the configured Ed25519 key, and lists the keys an auditor should
/// trust: the active one, then the rotated-out ones still listed in <see cref="AuditSigningOptions.PreviousPublicKeys"/>.
/// </summary>
public sealed class AuditSigner
{
    private readonly Ed25519PrivateKeyParameters _privateKey;

    public AuditSigner(IOptions<AuditSigningOptions> options, ServerSecrets secrets)
    {
        var o = options.Value;
        Origin = o.Origin;
        KeyName = string.IsNullOrEmpty(o.KeyName) ? o.Origin : o.KeyName;
        _privateKey = new Ed25519PrivateKeyParameters(ParseSeed(secrets.AuditSigningKey), 0);
        var publicKey = _privateKey.GeneratePublicKey().GetEncoded();
        VerifierKey = SignedNotes.VerifierKey(KeyName, publicKey);
        var published = new List<PublishedAuditKey> { new(KeyName, SignedNotes.KeyId(KeyName, publicKey), publicKey, VerifierKey, Active: true) };
        for (var i = 0; i < o.PreviousPublicKeys.Count; i++)
        {
            if (!SignedNotes.TryParseVerifierKey(o.PreviousPublicKeys[i], out var name, out var id, out var key))
            {
                throw new BadConfigurationException($"{AuditSigningOptions.Section}:PreviousPublicKeys:{i}",
                    "must be an Ed25519 verifier key: name+keyid+base64, as the well-known URL lists it.");
            }

            published.Add(new PublishedAuditKey(name, id, key, o.PreviousPublicKeys[i], Active: false));
        }

        PublishedKeys = published;
    }

    public string Origin { get; }

    public string KeyName { get; }

    /// <summary>The active key as a C2SP verifier key: <c>name+keyid+base64(0x01 || publicKey)</c>.</summary>
    public string VerifierKey { get; }

    public IReadOnlyList<PublishedAuditKey> PublishedKeys { get; }

    /// <summary>Signs a note's text (lines ending in '\n'); returns the whole signed note.</summary>
    public string SignNote(string body) => SignedNotes.Sign(body, KeyName, _privateKey);

    /// <summary>The 32-byte seed from base64 or base64url, padded or not.</summary>
    internal static byte[] ParseSeed(string text)
    {
        var normal = text.Trim().Replace('-', '+').Replace('_', '/');
        normal = normal.PadRight(normal.Length + (4 - normal.Length % 4) % 4, '=');
        var seed = new byte[32];
        if (!Convert.TryFromBase64String(normal, seed, out var written) || written != 32)
        {
            throw new BadConfigurationException($"{AuditSigningOptions.Section}:SigningKey", "must be the base64 of a 32-byte Ed25519 seed (e.g. `openssl rand -base64 32`).");
        }

        return seed;
    }
}
