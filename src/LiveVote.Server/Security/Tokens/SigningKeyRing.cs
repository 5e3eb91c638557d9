using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace LiveVote.Server.Security.Tokens;

/// <summary>
/// Our HS256 keys: the current one signs; it and the rotated-out previous ones verify, each picked by its key id
/// (<c>kid</c>), so a rotation logs nobody out. A key id is the first 8 bytes of the key's SHA-256 as hex: it names the key
/// without revealing it, and every node of a fleet derives the same id from the same key. Each key keeps its keyed
/// HMAC contexts (<see cref="KeyedHmac"/>): a token is verified on every vote.
/// </summary>
public sealed class SigningKeyRing
{
    private readonly byte[][] _keys;
    private readonly byte[][] _keyIds;
    private readonly KeyedHmac[] _macs;

    public SigningKeyRing(byte[] current, IReadOnlyList<byte[]> previous)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(previous);
        _keys = [current, .. previous];
        _keyIds = [.. _keys.Select(key => Encoding.ASCII.GetBytes(KeyIdOf(key)))];
        _macs = [.. _keys.Select(key => new KeyedHmac(key))];
        CurrentKeyId = KeyIdOf(current);
    }

    public byte[] Current => _keys[0];

    public string CurrentKeyId { get; }

    /// <summary>MACs under the current key: what signs new tokens.</summary>
    internal KeyedHmac CurrentMac => _macs[0];

    public static string KeyIdOf(byte[] key) => Convert.ToHexStringLower(SHA256.HashData(key).AsSpan(0, 8));

    /// <summary>
    /// MACs under the key whose id is the reader's current string value, or null. Compares in place: no allocation on the
    /// vote path.
    /// </summary>
    internal KeyedHmac? Find(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            return null;
        }

        for (var i = 0; i < _keyIds.Length; i++)
        {
            if (reader.ValueTextEquals(_keyIds[i]))
            {
                return _macs[i];
            }
        }

        return null;
    }
}
