using LiveVote.Server.Security.Admin;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace LiveVote.Server.Hosting.OpenApi;

/// <summary>The document's title, how errors look, and the two credentials the API knows (by header name only).</summary>
internal sealed class ApiDocumentDescription : IOpenApiDocumentTransformer
{
    public const string AdminKeyScheme = "adminKey";
    public const string ViewerTokenScheme = "viewerToken";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "LiveVote",
            Version = "v1",
            Description =
                "Real-time voting for live shows. Every error is RFC 9457 application/problem+json with a stable, " +
                "machine-readable `code` (its `type` is `urn:livevote:problem:<code>`); 429 and 503 carry Retry-After, " +
                "and a 503 means the request was not taken: send the same request again after Retry-After seconds.",
        };

        // No servers: the framework would name the host of the request that built the document, and the document is
        // cached publicly. Without one, clients resolve the paths against the URL they fetched the document from.
        document.Servers = [];
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>
        {
            [AdminKeyScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = AdminKey.Header,
                Description = "The producer's admin key (LiveVote:AdminKey).",
            },
            [ViewerTokenScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT",
                Description = "A viewer token from POST /v1/viewers (or a configured external issuer).",
            },
        };
        return Task.CompletedTask;
    }
}
