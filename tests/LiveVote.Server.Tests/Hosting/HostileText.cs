using System.Text;

namespace LiveVote.Server.Tests.Hosting;

/// <summary>Random text for the hostile-input generators: every draw comes from the one seeded <see cref="Random"/>.</summary>
internal static class HostileText
{
    public static string Pick(this Random random, params string[] values) => values[random.Next(values.Length)];

    /// <summary>Printable ASCII without spaces (0x21-0x7E).</summary>
    public static string Ascii(this Random random, int length)
    {
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = (char)random.Next(0x21, 0x7F);
        }

        return new string(chars);
    }

    /// <summary>Letters, Latin-1 and general punctuation, controls, bidi overrides, BOMs and emoji.</summary>
    public static string Unicode(this Random random, int length)
    {
        var text = new StringBuilder(length);
        for (var i = 0; i < length; i++)
        {
            text.Append(random.Next(5) switch
            {
                0 => (char)random.Next(0x20, 0x7F),
                1 => (char)random.Next(0xA0, 0x2000),
                2 => "\u0000\u001F\u2028\u202E\uFEFF"[random.Next(5)],
                3 => char.ConvertFromUtf32(random.Next(0x1F600, 0x1F650)),
                _ => (char)random.Next('a', 'z' + 1),
            });
        }

        return text.ToString();
    }

    /// <summary>Numbers as a parser meets them: negative, not numbers, exponents, overflowing, ordinary.</summary>
    public static string NumberText(this Random random) => random.Next(7) switch
    {
        0 => "-1",
        1 => "abc",
        2 => "1e9",
        3 => long.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture) + "0",
        4 => random.Pick("", "+5", "0x10", "1.5", " 7", "%00", "NaN", "-0", "00000000000000000001"),
        _ => random.Next(-5, 5000).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    public static string Escape(string text) => text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);

    public static string Show(string text) => text.Length <= 80 ? text : text[..80] + $"...({text.Length})";
}
