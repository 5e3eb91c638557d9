using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Text;

namespace LiveVote.Server.Security.Tokens;

/// <summary>
/// The viewer a validated token speaks for. The vote path only keys the viewer with it (its rate-limit bucket, its
/// voter key), and both read UTF-8 bytes: so the <c>sub</c> of one of our tokens stays the UTF-8 bytes read from the
/// token, held in place (up to <see cref="InlineBytes"/>), and no string is made per vote. An external issuer's id
/// (<c>issuer|sub</c>) and a longer one are held as text. <see cref="ToString"/> (and the conversion to string) makes the
/// text on demand, off the vote path. Two ids are equal when their UTF-8 bytes are.
/// </summary>
public readonly struct TokenViewerId : IEquatable<TokenViewerId>
{
    /// <summary>Our viewer ids are 22 base64url characters; a <c>sub</c> of up to this many UTF-8 bytes is held in place.</summary>
    public const int InlineBytes = 64;

    private readonly InlineUtf8 _utf8;
    private readonly int _length;
    private readonly string? _text;

    public TokenViewerId(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        _text = text;
    }

    private TokenViewerId(ReadOnlySpan<byte> utf8)
    {
        utf8.CopyTo(_utf8);
        _length = utf8.Length;
    }

    public bool IsEmpty => _text is null ? _length == 0 : _text.Length == 0;

    /// <summary>Holds <paramref name="utf8"/> in place; false when it is longer than <see cref="InlineBytes"/>.</summary>
    public static bool TryFromUtf8(ReadOnlySpan<byte> utf8, out TokenViewerId id)
    {
        if (utf8.Length > InlineBytes)
        {
            id = default;
            return false;
        }

        id = new TokenViewerId(utf8);
        return true;
    }

    public static implicit operator string(TokenViewerId id) => id.ToString();

    public static bool operator ==(TokenViewerId left, TokenViewerId right) => left.Equals(right);

    public static bool operator !=(TokenViewerId left, TokenViewerId right) => !left.Equals(right);

    /// <summary>
    /// The id's UTF-8 bytes: in place when held so, else encoded into <paramref name="scratch"/> when they fit (else
    /// into a new array).
    /// </summary>
    [UnscopedRef]
    public ReadOnlySpan<byte> Utf8(Span<byte> scratch)
    {
        if (_text is null)
        {
            return ((ReadOnlySpan<byte>)_utf8)[.._length];
        }

        var destination = Encoding.UTF8.GetMaxByteCount(_text.Length) <= scratch.Length ? scratch : new byte[Encoding.UTF8.GetByteCount(_text)];
        return destination[..Encoding.UTF8.GetBytes(_text, destination)];
    }

    public override string ToString() => _text ?? Encoding.UTF8.GetString(((ReadOnlySpan<byte>)_utf8)[.._length]);

    public bool Equals(TokenViewerId other)
    {
        if (_text is not null && other._text is not null)
        {
            return string.Equals(_text, other._text, StringComparison.Ordinal);
        }

        Span<byte> mine = stackalloc byte[InlineBytes];
        Span<byte> theirs = stackalloc byte[InlineBytes];
        return Utf8(mine).SequenceEqual(other.Utf8(theirs));
    }

    public override bool Equals(object? obj) => obj is TokenViewerId other && Equals(other);

    public override int GetHashCode() => string.GetHashCode(ToString(), StringComparison.Ordinal);

    [InlineArray(InlineBytes)]
    private struct InlineUtf8
    {
        private byte _first;
    }
}
