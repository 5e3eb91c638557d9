using LiveVote.Server.Security.RateLimiting;
using LiveVote.Server.Telemetry;

namespace LiveVote.Server.Hosting.OpenApi;

/// <summary>
/// The OpenAPI document of the public HTTP API, <c>GET /openapi/v1.json</c>, built from the endpoints' own metadata:
/// each route's request body, its answers and their status codes as declared where the route is mapped
/// (<c>Produces</c>/<c>ProducesProblem</c> on the groups and endpoints), and every problem <c>code</c>
/// (<see cref="ProblemCodeSchema"/>).
/// <para>
/// Served on the public listener, not only the management port: API users (app developers, the broadcaster's back
/// end, client generators) read it from where they call the API, and it says nothing the API itself does not already
/// answer to anyone. It names the admin key's header, never a key: no secret is configured into it. It is the same
/// for every caller and changes only with a new build, so it is cacheable (<see cref="CacheSeconds"/>).
/// </para>
/// </summary>
public static class ApiDocument
{
    public const string Name = "v1";

    /// <summary>
    /// The one document, by its literal path: a <c>{documentName}</c> pattern would answer every other name with the
    /// framework's text/plain 404 instead of the problem+json every error is (found by the hostile-input test).
    /// </summary>
    public const string Path = "/openapi/" + Name + ".json";

    /// <summary>The same path as a pattern, for the reference UI, which fills in the document's name.</summary>
    public const string PathPattern = "/openapi/{documentName}.json";

    /// <summary>Five minutes: a CDN absorbs client generators and reference pages; a deploy shows within minutes.</summary>
    public const int CacheSeconds = 300;

    public static WebApplicationBuilder AddApiDocument(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);

        // The schemas come from the same System.Text.Json metadata the API serializes with: the source-generated
        // contexts. ContractsJsonContext is first in the chain already (AddHttp); the admin stats' context goes next,
        // so no schema depends on reflection-based metadata, which a trimmed build would not have.
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(1, TelemetryJsonContext.Default));
        builder.Services.AddOpenApi(Name, options =>
        {
            options.AddDocumentTransformer<ApiDocumentDescription>();
            options.AddOperationTransformer<ApiSecurityRequirements>();
            options.AddSchemaTransformer<ProblemCodeSchema>();
        });
        return builder;
    }

    /// <summary>The document (public, cacheable, under the concurrency limit like any other read) and, in Development, its reference UI.</summary>
    public static WebApplication MapApiDocument(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapOpenApi(Path)
            .WithRequestKind(RequestKind.Other)
            .Add(endpoint =>
            {
                var inner = endpoint.RequestDelegate!;
                endpoint.RequestDelegate = context =>
                {
                    // The framework's handler also binds the document name from the query (?documentName=x) and
                    // answers an unknown one with a text/plain 404; there is one document, whatever the query says.
                    context.Request.QueryString = QueryString.Empty;
                    context.Response.Headers.CacheControl = $"public, max-age={CacheSeconds}";
                    return inner(context);
                };
            });
        if (app.Environment.IsDevelopment())
        {
            app.MapApiReference();
        }

        return app;
    }
}
