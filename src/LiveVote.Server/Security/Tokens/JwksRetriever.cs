using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace LiveVote.Server.Security.Tokens;

/// <summary>
/// Reads a bare JWKS (an issuer configured by <see cref="ExternalTokenOptions.JwksUrl"/>, without discovery) into the
/// configuration <c>ConfigurationManager</c> caches, filled as <see cref="OpenIdConnectConfigurationRetriever"/> fills
/// it from a discovery document's <c>jwks_uri</c>.
/// </summary>
internal sealed class JwksRetriever : IConfigurationRetriever<OpenIdConnectConfiguration>
{
    public async Task<OpenIdConnectConfiguration> GetConfigurationAsync(string address, IDocumentRetriever retriever, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(retriever);
        var keys = new JsonWebKeySet(await retriever.GetDocumentAsync(address, cancel).ConfigureAwait(false));
        var configuration = new OpenIdConnectConfiguration { JsonWebKeySet = keys, JwksUri = address };
        foreach (var key in keys.GetSigningKeys())
        {
            configuration.SigningKeys.Add(key);
        }

        return configuration;
    }
}
