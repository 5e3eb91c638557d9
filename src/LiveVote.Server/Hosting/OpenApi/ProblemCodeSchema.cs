using System.Reflection;
using System.Text.Json.Nodes;
using LiveVote.Contracts;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using ProblemDetails = Microsoft.AspNetCore.Mvc.ProblemDetails;

namespace LiveVote.Server.Hosting.OpenApi;

/// <summary>
/// The problem+json schema with the <c>code</c> extension every LiveVote problem carries: a string from the closed list
/// of <see cref="ErrorCodes"/> (the constants are the catalogue; a new one is listed here without a second edit).
/// </summary>
internal sealed class ProblemCodeSchema : IOpenApiSchemaTransformer
{
    public const string CodeProperty = "code";

    /// <summary>Every code the server can put in a problem, in declaration order.</summary>
    public static IReadOnlyList<string> Codes { get; } =
    [
        .. typeof(ErrorCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .Select(f => (string)f.GetRawConstantValue()!),
    ];

    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.JsonTypeInfo.Type != typeof(ProblemDetails))
        {
            return Task.CompletedTask;
        }

        schema.Properties ??= new Dictionary<string, IOpenApiSchema>();
        schema.Properties[CodeProperty] = new OpenApiSchema
        {
            Type = JsonSchemaType.String,
            Description = "Stable machine-readable error code; the problem's type is urn:livevote:problem:<code>.",
            Enum = [.. Codes.Select(code => (JsonNode)JsonValue.Create(code))],
        };
        schema.Required ??= new HashSet<string>();
        schema.Required.Add(CodeProperty);
        return Task.CompletedTask;
    }
}
