using System.Security.Cryptography;
using LiveVote.Contracts;
using LiveVote.Server.Hosting;
using LiveVote.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LiveVote.Server.Viewers;

public static class ViewerEndpoints
{
    public const int MaxDisplayNameLength = 64;

    public static RouteGroupBuilder MapViewers(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/viewers").WithTags("Viewers");
        group.MapPost("/", Register);
        return group;
    }

    /// <summary>
    /// Registers a viewer: a fresh random viewer id and a signed token for it. Nothing about the viewer is stored: the
    /// token is the registration, and votes are stored under the HMAC pseudonym of the id (privacy by design).
    /// A request with a valid admin key is a trusted back-end registration (the broadcaster's own account system);
    /// a public one will need a solved CAPTCHA (see the anti-fraud issue) before it gets here.
    /// </summary>
    private static Results<Created<RegisterViewerResponse>, ProblemHttpResult> Register(
        RegisterViewerRequest? request, ViewerTokens tokens)
    {
        if (request?.DisplayName is { } name && (name.Length > MaxDisplayNameLength || string.IsNullOrWhiteSpace(name)))
        {
            return Problems.BadRequest(ErrorCodes.InvalidRequest, $"displayName must be 1 to {MaxDisplayNameLength} characters.");
        }

        var viewerId = NewViewerId();
        var (token, expiresAt) = tokens.Issue(viewerId);
        return TypedResults.Created((string?)null, new RegisterViewerResponse(viewerId, token, expiresAt));
    }

    /// <summary>128 random bits, base64url: unguessable, so a viewer id cannot be claimed by someone else.</summary>
    private static string NewViewerId() => System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16));
}
