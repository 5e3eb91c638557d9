using System.ComponentModel.DataAnnotations;
using System.Net;

namespace LiveVote.Server.Security.Operators;

/// <summary>
/// Configuration section <c>LiveVote:Operators</c>: the broadcaster's OpenID Connect provider the console's operators
/// sign in with. Empty <see cref="Authority"/> (the default): no operator sign-in, the console takes the admin key only.
/// Back ends keep the admin key either way.
/// </summary>
public sealed class OperatorOptions : IValidatableObject
{
    public const string Section = "LiveVote:Operators";

    /// <summary>
    /// The provider's issuer URL (its discovery document is <c>{Authority}/.well-known/openid-configuration</c>), e.g.
    /// <c>https://login.broadcaster.example/realms/studio</c>. https, except on a loopback host (a provider on the same machine).
    /// </summary>
    public string Authority { get; set; } = "";

    /// <summary>The console's client id at the provider. Required with <see cref="Authority"/>.</summary>
    public string ClientId { get; set; } = "";

    /// <summary>
    /// The client secret, for a confidential client; empty for a public one (the code flow is protected by PKCE either way).
    /// </summary>
    public string ClientSecret { get; set; } = "";

    /// <summary>Scopes asked for, space-separated; <c>openid</c> is always asked for.</summary>
    public string Scopes { get; set; } = "openid profile";

    /// <summary>
    /// The ID token claim that names the operator in the audit trail and on the console (e.g. <c>name</c>,
    /// <c>preferred_username</c>, <c>email</c>). When the token lacks it, <c>preferred_username</c>, then <c>sub</c>.
    /// </summary>
    public string NameClaim { get; set; } = "name";

    /// <summary>Whether operators sign in through a provider at all.</summary>
    public bool Enabled => Authority.Length > 0;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enabled)
        {
            yield break;
        }

        if (!Uri.TryCreate(Authority, UriKind.Absolute, out var authority) || authority.Query.Length > 0 || authority.Fragment.Length > 0
            || !(authority.Scheme == Uri.UriSchemeHttps || (authority.Scheme == Uri.UriSchemeHttp && IsLoopback(authority))))
        {
            yield return new ValidationResult(
                $"{Section}:Authority: '{Authority}' is not an https URL without query (http only for a loopback host).", [nameof(Authority)]);
        }

        if (ClientId.Trim().Length == 0)
        {
            yield return new ValidationResult($"{Section}:ClientId is required when {Section}:Authority is set.", [nameof(ClientId)]);
        }

        if (NameClaim.Trim().Length == 0)
        {
            yield return new ValidationResult($"{Section}:NameClaim must name a claim.", [nameof(NameClaim)]);
        }
    }

    /// <summary>The scopes to ask for: the configured ones, with <c>openid</c>.</summary>
    public IEnumerable<string> ScopeList() =>
        Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Append("openid").Distinct(StringComparer.Ordinal);

    /// <summary>A provider on this machine may speak plain http: nothing crosses a network.</summary>
    public static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}
