using Microsoft.IdentityModel.Protocols;

namespace LiveVote.Server.Security.Tokens;

/// <summary>
/// Fetches the external issuer's documents (discovery document, JWKS) for <see cref="ExternalIssuerKeys"/>'s
/// <c>ConfigurationManager</c>, through the <see cref="HttpClientName"/> client (timeout, size limit). Every address is
/// held to <see cref="ExternalTokenOptions.IsAllowedUrl"/>, the <c>jwks_uri</c> a discovery document names too: https,
/// or plain http to this machine only. Failures are thrown, and logged by <see cref="ExternalIssuerKeys"/>.
/// </summary>
internal sealed class IssuerDocuments(IHttpClientFactory http) : IDocumentRetriever
{
    public const string HttpClientName = "LiveVote.ExternalIssuer";

    /// <summary>A JWKS or discovery document is a few KiB; anything much larger is not one.</summary>
    public const int MaxDocumentBytes = 256 * 1024;

    public async Task<string> GetDocumentAsync(string address, CancellationToken cancel)
    {
        if (!ExternalTokenOptions.IsAllowedUrl(address))
        {
            throw new InvalidOperationException($"Refused to fetch {address}: https only (plain http to a loopback address only).");
        }

        using var client = http.CreateClient(HttpClientName);
        using var response = await client.GetAsync(new Uri(address), HttpCompletionOption.ResponseContentRead, cancel).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync(cancel).ConfigureAwait(false);
    }
}
