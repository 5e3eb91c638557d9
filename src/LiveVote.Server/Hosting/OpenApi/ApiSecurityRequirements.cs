using LiveVote.Server.Security.Admin;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace LiveVote.Server.Hosting.OpenApi;

/// <summary>
/// Which credential an operation needs, read from the policy its route declared where it was mapped: admin-only routes
/// (<see cref="AdminKeyRequirementExtensions.RequireAdminKey"/>) the admin key, the vote route a viewer token.
/// </summary>
internal sealed class ApiSecurityRequirements : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var scheme = context.Description.ActionDescriptor.EndpointMetadata.OfType<AdminKeyRequired>().Any() ? ApiDocumentDescription.AdminKeyScheme
            : IsVote(context) ? ApiDocumentDescription.ViewerTokenScheme
            : null;
        if (scheme is not null)
        {
            operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(scheme, context.Document)] = [] }];
        }

        return Task.CompletedTask;
    }

    private static bool IsVote(OpenApiOperationTransformerContext context) =>
        context.Description.HttpMethod == HttpMethods.Post && context.Description.RelativePath?.TrimEnd('/').EndsWith("/votes", StringComparison.Ordinal) == true;
}
