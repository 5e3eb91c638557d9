using System.Text;

namespace LiveVote.Cli.Loadgen.RawHttp;

/// <summary>
/// A vote request as bytes, made once per run: everything but the viewer's token is fixed, so laying one out is two
/// copies and the token's ASCII, with no header objects, no validation and no allocation per request.
/// </summary>
internal sealed class VoteRequestTemplate
{
    private readonly byte[] _head;
    private readonly byte[][] _tails;

    /// <param name="url">The server's base address (its authority is the Host header).</param>
    /// <param name="path">The vote route, e.g. /v1/polls/{id}/votes.</param>
    /// <param name="bodies">The JSON body of each option.</param>
    public VoteRequestTemplate(Uri url, string path, IReadOnlyList<byte[]> bodies)
    {
        _head = Encoding.ASCII.GetBytes($"POST {path} HTTP/1.1\r\nHost: {url.Authority}\r\nContent-Type: application/json\r\nAuthorization: Bearer ");
        _tails = [.. bodies.Select(body => (byte[])[.. Encoding.ASCII.GetBytes($"\r\nContent-Length: {body.Length}\r\n\r\n"), .. body])];
    }

    /// <summary>The bytes a request with this token needs.</summary>
    public int Length(string token, int option) => _head.Length + token.Length + _tails[option].Length;

    /// <summary>Lays the request out at the start of <paramref name="buffer"/>; returns its length.</summary>
    public int Write(Span<byte> buffer, string token, int option)
    {
        // A token is base64url text; anything else would be a header injection, so it is refused rather than sent.
        if (!Ascii.IsValid(token) || token.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            throw new ArgumentException("A viewer token must be one line of ASCII.", nameof(token));
        }

        _head.CopyTo(buffer);
        var length = _head.Length;
        length += Encoding.ASCII.GetBytes(token, buffer[length..]);
        _tails[option].CopyTo(buffer[length..]);
        return length + _tails[option].Length;
    }
}
