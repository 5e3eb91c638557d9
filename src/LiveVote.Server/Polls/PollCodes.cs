using System.Security.Cryptography;
using System.Text;

namespace LiveVote.Server.Polls;

/// <summary>
/// Join codes: what a viewer types or reads off the screen to reach a poll (<c>/v/{code}</c>). A generated code is 6
/// characters of an alphabet without the look-alikes 0/O, 1/I/L, so a code read aloud or off a TV picture is typed right;
/// a producer's own code is 4 to 12 of A-Z and 0-9, any case, stored upper-case.
/// </summary>
public static class PollCodes
{
    public const string Alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
    public const int GeneratedLength = 6;
    public const int MinLength = 4;
    public const int MaxLength = 12;

    /// <summary>A new random code (31^6, about 887 million: uniqueness is checked anyway).</summary>
    public static string New()
    {
        Span<char> chars = stackalloc char[GeneratedLength];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
        }

        return new string(chars);
    }

    /// <summary>The code a producer chose, upper-cased; null and the reason when it is not a valid code.</summary>
    public static string? Normalize(string input, out string error)
    {
        error = "";
        if (input.Length is < MinLength or > MaxLength)
        {
            error = $"code must be {MinLength} to {MaxLength} characters.";
            return null;
        }

        foreach (var c in input)
        {
            if (c is not ((>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9')))
            {
                error = "code may hold only the letters A-Z and the digits 0-9.";
                return null;
            }
        }

        return input.ToUpperInvariant();
    }

    /// <summary>Whether a code from a URL may name a poll at all (any case): a cheap refusal before any lookup.</summary>
    public static bool IsWellFormed(string? code) => code is not null && Normalize(code, out _) is not null;

    /// <summary>
    /// The code of a poll that was given none (the demo poll; one stored before join codes existed, whose row has none):
    /// derived from the poll id, so every node and every restart gives the same one without writing the row, and new
    /// codes are held unique against it.
    /// </summary>
    public static string Derived(string pollId)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes("livevote-poll-code\n" + pollId), hash);
        Span<char> chars = stackalloc char[GeneratedLength];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = Alphabet[hash[i] % Alphabet.Length];
        }

        return new string(chars);
    }
}
