using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace LiveVote.Server.Security.Tokens;

public enum JwsAlgorithm
{
    RS256,
    ES256,
}

/// <summary>
/// One public key of an external issuer's JWKS. .NET does not promise that one RSA/ECDsa instance is safe to use from
/// several threads at once, so each verification rents an instance from a small pool (made from the key's parameters)
/// instead of locking one.
/// </summary>
public sealed class JwksKey
{
    private readonly Func<AsymmetricAlgorithm> _create;
    private readonly ConcurrentBag<AsymmetricAlgorithm> _pool = [];

    private JwksKey(string keyId, JwsAlgorithm algorithm, Func<AsymmetricAlgorithm> create)
    {
        KeyId = keyId;
        Algorithm = algorithm;
        _create = create;

        // Made once now, so a key whose parameters .NET refuses (e.g. an EC point off the curve) fails while parsing.
        _pool.Add(create());
    }

    public string KeyId { get; }

    public JwsAlgorithm Algorithm { get; }

    public static JwksKey Rsa(string keyId, RSAParameters parameters) =>
        new(keyId, JwsAlgorithm.RS256, () => RSA.Create(parameters));

    public static JwksKey EcP256(string keyId, byte[] x, byte[] y) =>
        new(keyId, JwsAlgorithm.ES256, () => ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, Q = new ECPoint { X = x, Y = y } }));

    /// <summary>Checks a JWS signature over <paramref name="signingInput"/> (header.payload, ASCII).</summary>
    public bool Verify(ReadOnlySpan<byte> signingInput, ReadOnlySpan<byte> signature)
    {
        var instance = _pool.TryTake(out var pooled) ? pooled : _create();
        try
        {
            return instance switch
            {
                RSA rsa => rsa.VerifyData(signingInput, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),

                // JWS ES256 signatures are r||s, 32 bytes each: the IEEE P1363 format .NET uses by default.
                ECDsa ecdsa => signature.Length == 64 && ecdsa.VerifyData(signingInput, signature, HashAlgorithmName.SHA256),
                _ => false,
            };
        }
        catch (CryptographicException)
        {
            return false;
        }
        finally
        {
            if (_pool.Count < Environment.ProcessorCount * 2)
            {
                _pool.Add(instance);
            }
            else
            {
                instance.Dispose();
            }
        }
    }
}
