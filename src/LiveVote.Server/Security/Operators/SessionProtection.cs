using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;

namespace LiveVote.Server.Security.Operators;

/// <summary>
/// Encrypts the operator's session cookie and the sign-in's state (AES-256-GCM) with keys derived (HKDF-SHA256) from
/// the admin key, one per purpose, instead of ASP.NET Core Data Protection's per-machine key ring: every node of a
/// fleet has the same admin key, so a session (or a sign-in started on one node and completed on another behind the
/// load balancer) is good on all of them, with nothing more to share. Changing the admin key ends every session.
/// </summary>
internal sealed class SessionProtection(byte[] rootKey, string purposes = "livevote-operator") : IDataProtector
{
    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    private readonly byte[] _key = HKDF.DeriveKey(HashAlgorithmName.SHA256, rootKey, 32, salt: [], info: Encoding.UTF8.GetBytes(purposes));

    public IDataProtector CreateProtector(string purpose) => new SessionProtection(rootKey, purposes + "\n" + purpose);

    public byte[] Protect(byte[] plaintext)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        var output = new byte[NonceBytes + TagBytes + plaintext.Length];
        var nonce = output.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagBytes);
        aes.Encrypt(nonce, plaintext, output.AsSpan(NonceBytes + TagBytes), output.AsSpan(NonceBytes, TagBytes));
        return output;
    }

    /// <summary>Throws <see cref="CryptographicException"/> for anything this key did not protect (the handlers then see no session).</summary>
    public byte[] Unprotect(byte[] protectedData)
    {
        ArgumentNullException.ThrowIfNull(protectedData);
        if (protectedData.Length < NonceBytes + TagBytes)
        {
            throw new CryptographicException("Too short to be a protected session.");
        }

        var plaintext = new byte[protectedData.Length - NonceBytes - TagBytes];
        using var aes = new AesGcm(_key, TagBytes);
        aes.Decrypt(protectedData.AsSpan(0, NonceBytes), protectedData.AsSpan(NonceBytes + TagBytes), protectedData.AsSpan(NonceBytes, TagBytes), plaintext);
        return plaintext;
    }
}
