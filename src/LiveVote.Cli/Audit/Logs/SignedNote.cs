using System.Text;

namespace LiveVote.Cli.Audit.Logs;

/// <summary>One signature line of a note: <c>— {name} {base64(keyId4 || signature)}</c>.</summary>
internal sealed record NoteSignature(string KeyName, uint KeyId, byte[] Signature);

/// <summary>
/// A C2SP signed-note (https://c2sp.org/signed-note), parsed without trusting it: the body is the text up to and
/// including the newline before the blank line, and every line after the blank line is a signature. Parsing checks only
/// the form; <see cref="NoteVerifierKey.Verifies"/> checks a signature.
/// </summary>
internal sealed record SignedNote(string Text, string Body, IReadOnlyList<NoteSignature> Signatures)
{
    /// <summary>The signature line's prefix: an em dash and a space.</summary>
    private const string SignaturePrefix = "\u2014 ";

    public byte[] BodyBytes => Encoding.UTF8.GetBytes(Body);

    public static bool TryParse(string? text, out SignedNote note, out string error)
    {
        note = null!;
        if (string.IsNullOrEmpty(text) || !text.EndsWith('\n'))
        {
            error = "a signed note must end with a newline";
            return false;
        }

        var blank = text.LastIndexOf("\n\n", StringComparison.Ordinal);
        if (blank < 0)
        {
            error = "no blank line between the text and its signatures";
            return false;
        }

        var body = text[..(blank + 1)];
        var signatures = new List<NoteSignature>();
        foreach (var line in text[(blank + 2)..^1].Split('\n'))
        {
            if (!TryParseSignature(line, out var signature))
            {
                error = $"malformed signature line '{line}'";
                return false;
            }

            signatures.Add(signature);
        }

        if (body.Contains('\r', StringComparison.Ordinal) || body.Length < 2)
        {
            error = "the note's text is empty or has a carriage return";
            return false;
        }

        note = new SignedNote(text, body, signatures);
        error = "";
        return true;
    }

    private static bool TryParseSignature(string line, out NoteSignature signature)
    {
        signature = null!;
        if (!line.StartsWith(SignaturePrefix, StringComparison.Ordinal))
        {
            return false;
        }

        var parts = line[SignaturePrefix.Length..].Split(' ');
        if (parts.Length != 2 || parts[0].Length == 0 || parts[0].Contains('+', StringComparison.Ordinal))
        {
            return false;
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(parts[1]);
        }
        catch (FormatException)
        {
            return false;
        }

        if (bytes.Length < 5)
        {
            return false;
        }

        var keyId = (uint)((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]);
        signature = new NoteSignature(parts[0], keyId, bytes[4..]);
        return true;
    }
}
