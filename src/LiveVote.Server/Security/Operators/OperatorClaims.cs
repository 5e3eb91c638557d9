using System.Security.Claims;
using System.Text;

namespace LiveVote.Server.Security.Operators;

/// <summary>
/// The operator's name, taken once from the provider's ID token at sign-in and kept as the session's only claim (with
/// the subject): the cookie stays small and the name the audit records cannot change within a session.
/// </summary>
internal static class OperatorClaims
{
    public const string Operator = "operator";

    /// <summary>A name longer than this is cut: it goes into every audit entry and log line the operator causes.</summary>
    public const int MaxNameLength = 120;

    /// <summary>The session's principal: the operator's name from <paramref name="nameClaim"/>, else preferred_username, else sub.</summary>
    public static ClaimsPrincipal? SessionPrincipal(ClaimsPrincipal? token, string nameClaim)
    {
        var subject = token?.FindFirst("sub")?.Value;
        var name = Clean(token?.FindFirst(nameClaim)?.Value) ?? Clean(token?.FindFirst("preferred_username")?.Value) ?? Clean(subject);
        if (name is null)
        {
            return null;
        }

        var identity = new ClaimsIdentity(OperatorSetup.OidcScheme, Operator, null);
        identity.AddClaim(new Claim(Operator, name));
        if (subject is not null)
        {
            identity.AddClaim(new Claim("sub", subject));
        }

        return new ClaimsPrincipal(identity);
    }

    public static string? NameOf(ClaimsPrincipal? principal) => principal?.FindFirst(Operator)?.Value is { Length: > 0 } name ? name : null;

    /// <summary>Trimmed, control characters dropped, at most <see cref="MaxNameLength"/> characters; null when nothing is left.</summary>
    private static string? Clean(string? value)
    {
        if (value is null)
        {
            return null;
        }

        var text = new StringBuilder(Math.Min(value.Length, MaxNameLength));
        foreach (var c in value.Trim())
        {
            if (!char.IsControl(c) && text.Length < MaxNameLength)
            {
                text.Append(c);
            }
        }

        // The cut must not leave half a surrogate pair: the name is written into JSON.
        if (text.Length > 0 && char.IsHighSurrogate(text[^1]))
        {
            text.Length--;
        }

        var name = text.ToString().Trim();
        return name.Length > 0 ? name : null;
    }
}
