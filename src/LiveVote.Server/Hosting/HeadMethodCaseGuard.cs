using LiveVote.Contracts;

namespace LiveVote.Server.Hosting;

/// <summary>
/// Refuses <c>head</c>, <c>Head</c> and every other case of HEAD but HEAD itself with 400 <c>invalid-request</c>.
/// Methods are case-sensitive (RFC 9110), and Kestrel treats <c>head</c> as an unknown method whose answer has a
/// body, while ASP.NET Core's middleware compares methods ignoring case: the static files answered it as a HEAD (a
/// Content-Length, no body) and Kestrel turned the missing body into a 500. Found by the generative hostile-input test.
/// </summary>
internal sealed class HeadMethodCaseGuard(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        var method = context.Request.Method;
        return !HttpMethods.IsHead(method) || string.Equals(method, HttpMethods.Head, StringComparison.Ordinal)
            ? next(context)
            : Problems.BadRequest(ErrorCodes.InvalidRequest, "HTTP methods are case-sensitive: send HEAD.").ExecuteAsync(context);
    }
}
