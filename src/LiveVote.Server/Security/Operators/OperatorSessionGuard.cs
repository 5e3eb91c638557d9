using LiveVote.Contracts;
using LiveVote.Server.Hosting;
using LiveVote.Server.Security.Admin;
using Microsoft.AspNetCore.Authentication;

namespace LiveVote.Server.Security.Operators;

/// <summary>
/// After the admin key's guard: a request with the operator's session cookie (and no verified admin key) is read
/// (the cookie is encrypted and signed by its handler) and marked as the signed-in operator's
/// (<see cref="OperatorSession"/>), which lets it through the admin gate like the key.
/// <para>
/// A cookie goes with every request the browser makes to this site, whoever asked for it, so a change made with it
/// (POST, PUT, DELETE...) must come from the console itself: the browser's <c>Sec-Fetch-Site</c> must say
/// <c>same-origin</c>, or, from a browser that does not send it, <c>Origin</c> must be this server's. A change with
/// neither, or from elsewhere, is refused 403 <c>cross-site-request</c> before anything runs. The cookie is also
/// SameSite=Strict; this check does not rely on that. Reads are not checked: another site cannot read the answers.
/// </para>
/// Only installed when operators sign in through a provider (<see cref="OperatorOptions.Enabled"/>); requests without
/// the cookie (votes) pay a header lookup.
/// </summary>
internal sealed class OperatorSessionGuard(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (!AdminKey.IsVerified(context) && context.Request.Cookies.ContainsKey(OperatorSetup.CookieName))
        {
            var session = await context.AuthenticateAsync(OperatorSetup.CookieScheme);
            if (session.Succeeded && OperatorClaims.NameOf(session.Principal) is { } name)
            {
                if (IsChange(context.Request.Method) && !FromThisSite(context.Request))
                {
                    await Problems.Create(StatusCodes.Status403Forbidden, ErrorCodes.CrossSiteRequest, "Cross-site request refused.",
                        "A change made with the operator's session must come from the console on this site (Sec-Fetch-Site: same-origin, or this server's Origin).")
                        .ExecuteAsync(context);
                    return;
                }

                OperatorSession.MarkSignedIn(context, name);
            }
        }

        await next(context);
    }

    private static bool IsChange(string method) => !HttpMethods.IsGet(method) && !HttpMethods.IsHead(method) && !HttpMethods.IsOptions(method);

    /// <summary>Sec-Fetch-Site when the browser sent it (pages cannot set it), else Origin; neither: not shown, so refused.</summary>
    internal static bool FromThisSite(HttpRequest request)
    {
        var site = request.Headers["Sec-Fetch-Site"];
        if (site.Count > 0)
        {
            return site.Count == 1 && string.Equals(site[0], "same-origin", StringComparison.Ordinal);
        }

        var origin = request.Headers.Origin;
        return origin.Count == 1 && string.Equals(origin[0], $"{request.Scheme}://{request.Host.Value}", StringComparison.OrdinalIgnoreCase);
    }
}
