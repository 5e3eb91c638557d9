using System.Security.Cryptography;
using System.Text;

namespace LiveVote.Server.Votes;

/// <summary>
/// Makes and opens the per-poll voter-key secrets (<see cref="PollVoterSecret"/>). The wrapping key is derived with
/// HKDF-SHA256 from <c>LiveVote:VoterKeySecret</c>, the same on every node, so any node can open the secret that
/// travelled with the poll row; AES-256-GCM with the poll id as associated data, so a wrapped secret copied onto another
/// poll's row does not open. Layout: version 1 (1 byte) || nonce (12) || ciphertext (32) || tag (16).
/// </summary>
public sealed class VoterSecretWrapping
{
    public const int SecretSize = 32;
    public const int WrappedSize = 1 + NonceSize + SecretSize + TagSize;
    private const byte Version = 1;
    private const int NonceSize = 12;
    private const int TagSize = 16;

    private static readonly byte[] Info = Encoding.ASCII.GetBytes("livevote voter-key wrapping v1");

    private readonly byte[] _key;

    public VoterSecretWrapping(byte[] fleetSecret)
    {
        if (fleetSecret.Length < 32)
        {
            throw new ArgumentException("The voter-key secret must be at least 32 bytes.", nameof(fleetSecret));
        }

        _key = HKDF.DeriveKey(HashAlgorithmName.SHA256, fleetSecret, 32, salt: [], info: Info);
    }

    /// <summary>A fresh random secret for a new poll, wrapped for <paramref name="pollId"/>.</summary>
    public PollVoterSecret NewFor(string pollId)
    {
        Span<byte> secret = stackalloc byte[SecretSize];
        RandomNumberGenerator.Fill(secret);
        try
        {
            return Wrap(pollId, secret);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    public PollVoterSecret Wrap(string pollId, ReadOnlySpan<byte> secret)
    {
        var wrapped = new byte[WrappedSize];
        wrapped[0] = Version;
        var nonce = wrapped.AsSpan(1, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, secret, wrapped.AsSpan(1 + NonceSize, SecretSize), wrapped.AsSpan(1 + NonceSize + SecretSize, TagSize), Encoding.UTF8.GetBytes(pollId));
        return new PollVoterSecret(wrapped);
    }

    /// <summary>The poll's secret in clear; throws <see cref="CryptographicException"/> when it was not wrapped for this poll with this fleet's key.</summary>
    public byte[] Unwrap(string pollId, PollVoterSecret wrapped)
    {
        var bytes = wrapped.Wrapped;
        if (bytes.Length != WrappedSize || bytes[0] != Version)
        {
            throw new CryptographicException($"The voter-key secret of poll {pollId} has an unknown form.");
        }

        var secret = new byte[SecretSize];
        using var aes = new AesGcm(_key, TagSize);
        aes.Decrypt(bytes.Slice(1, NonceSize), bytes.Slice(1 + NonceSize, SecretSize), bytes.Slice(1 + NonceSize + SecretSize, TagSize), secret,
            Encoding.UTF8.GetBytes(pollId));
        return secret;
    }
}
