using System.Security.Cryptography;

namespace LiveVote.Server.Security.Hashing;

/// <summary>
/// One-shot SHA-256 for the vote path's hashes (audit entries, Merkle leaves and nodes): OpenSSL's low-level functions
/// when present (<see cref="LibCryptoSha256"/>: no native allocation, no error-queue work per call), otherwise .NET's
/// <see cref="SHA256"/>. Both give the same digest; the tests check it.
/// </summary>
internal static class Sha256
{
    public const int HashSize = 32;

    /// <summary>SHA-256 of <paramref name="data"/> into the first 32 bytes of <paramref name="hash"/>.</summary>
    public static void HashData(ReadOnlySpan<byte> data, Span<byte> hash)
    {
        if (!LibCryptoSha256.IsAvailable)
        {
            SHA256.HashData(data, hash);
            return;
        }

        var context = default(LibCryptoSha256.Context);
        LibCryptoSha256.Init(ref context);
        LibCryptoSha256.Update(ref context, data);
        LibCryptoSha256.Final(ref context, hash);
    }
}
