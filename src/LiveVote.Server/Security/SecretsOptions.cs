namespace LiveVote.Server.Security;

/// <summary>
/// Secrets, from configuration (section <c>LiveVote</c>: <c>LiveVote:AdminKey</c>, <c>LiveVote:TokenSigningKey</c>,
/// <c>LiveVote:VoterKeySecret</c>, <c>LiveVote:CaptchaHmacKey</c>). Any left empty is generated on first start and kept
/// in <c>secrets.json</c> in <c>LiveVote:DataDirectory</c> (mode 0600). A fleet configures all of them, so every node issues and
/// honours the same tokens and CAPTCHA challenges and derives the same voter keys.
/// </summary>
public sealed class SecretsOptions
{
    public const string Section = "LiveVote";

    /// <summary>At least 16 characters: the key producers and back ends send in <c>X-Admin-Key</c>.</summary>
    public string? AdminKey { get; set; }

    /// <summary>At least 32 characters: the HMAC-SHA256 key that signs viewer tokens.</summary>
    public string? TokenSigningKey { get; set; }

    /// <summary>At least 32 characters: the HMAC-SHA256 key that turns viewer ids into voter keys.</summary>
    public string? VoterKeySecret { get; set; }

    /// <summary>At least 32 characters: the HMAC-SHA256 key that signs ALTCHA CAPTCHA challenges.</summary>
    public string? CaptchaHmacKey { get; set; }

    /// <summary>
    /// Signing keys rotated out (<c>LiveVote:PreviousTokenSigningKeys:0..n</c>): tokens they signed still verify until
    /// they expire, so rotating <see cref="TokenSigningKey"/> logs nobody out. Remove one once a token lifetime has passed.
    /// </summary>
    public IList<string> PreviousTokenSigningKeys { get; } = [];
}

/// <summary>Configuration section <c>LiveVote:Tokens</c>.</summary>
public sealed class TokenOptions
{
    public const string Section = "LiveVote:Tokens";

    public string Issuer { get; set; } = "livevote";

    public string Audience { get; set; } = "livevote-viewers";

    /// <summary>Token lifetime. 12 hours outlasts any show while a stolen token soon goes stale.</summary>
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromHours(12);
}
