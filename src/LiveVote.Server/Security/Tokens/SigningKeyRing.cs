using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace LiveVote.Server.Security.Tokens;

/// <summary>
/// Our HS256 keys: the current one signs; it and the rotated-out previous ones verify, each picked by its key id
/// (<c>kid</c>), so a rotation logs nobody out. A key id is the first 8 bytes of the key's SHA-256 as hex: it names the key
/// without revealing it, and every node of a fleet derives the same id from the same key.
/// </summary>
public sealed class SigningKeyRing
{
    private readonly byte[][] _keys;
    private readonly byte[][] _keyIds;

    public SigningKeyRing(byte[] current, IReadOnlyList<byte[]> previous)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(previous);
        _keys = [current, .. previous];
        _keyIds = [.. _keys.Select(key => Encoding.ASCII.GetBytes(KeyIdOf(key)))];
        CurrentKeyId = KeyIdOf(current);
    }

    public byte[] Current => _keys[0];

    public string CurrentKeyId { get; }

    public static string KeyIdOf(byte[] key) => Convert.ToHexStringLower(SHA256.HashData(key).AsSpan(0, 8));

    /// <summary>
    /// The key whose id is the reader's current string value, or null. Compares in place: no allocation on the vote path.
    /// </summary>
    public byte[]? Find(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            return null;
        }

        for (var i = 0; i < _keyIds.Length; i++)
        {
            if (reader.ValueTextEquals(_keyIds[i]))
            {
                return _keys[i];
            }
        }

        return null;
    }
}
