using LiveVote.Contracts;

namespace LiveVote.Server.Audit.Signing;

public static class AuditKeysEndpoint
{
    public const string Path = "/.well-known/livevote/audit-keys";

    /// <summary>
    /// The public keys that sign checkpoints and results, active first: an auditor fetches them once (and pins them out of
    /// band, e.g. from the README's published key), a viewer's /verify page checks notes against them.
    /// </summary>
    public static IEndpointRouteBuilder MapAuditKeys(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, (AuditSigner signer, HttpContext context) =>
        {
            // Keys change only with a rotation (a restart): a short public cache spares the node a phone per viewer.
            context.Response.Headers.CacheControl = "public, max-age=60";
            return TypedResults.Ok(new AuditKeysDto(signer.Origin, signer.PublishedKeys.Select(k => new AuditKeyDto(
                k.Name, k.KeyId.ToString("x8", System.Globalization.CultureInfo.InvariantCulture), Convert.ToBase64String(k.PublicKey), k.VerifierKey, k.Active)).ToList()));
        }).WithTags("Audit");
        return app;
    }
}
