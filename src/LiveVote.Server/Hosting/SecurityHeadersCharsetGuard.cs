using System.Text;
using LiveVote.Contracts;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace LiveVote.Server.Hosting;

/// <summary>
/// Refuses a request body whose <c>Content-Type</c> names a charset .NET cannot decode (<c>charset="weird"</c>, or even a
/// quoted <c>"utf-8"</c>) with 415 <c>unsupported-media-type</c>. Without it the framework's JSON body binding throws an
/// <see cref="InvalidOperationException"/> for such a request, which would be answered 500: found by the hostile-input
/// test. It decides exactly as the framework's JSON reader does, so nothing it would accept is refused.
/// </summary>
internal sealed class RequestCharsetGuard(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        var contentType = context.Request.ContentType;
        if (contentType is null || !contentType.Contains("charset", StringComparison.OrdinalIgnoreCase) ||
            !MediaTypeHeaderValue.TryParse(contentType, out var media) || IsDecodable(media.Charset))
        {
            return next(context);
        }

        return Problems.Create(StatusCodes.Status415UnsupportedMediaType, ErrorCodes.UnsupportedMediaType, "Unsupported charset.",
            "The request body's charset is not one the server can read; send JSON as UTF-8 (Content-Type: application/json).").ExecuteAsync(context);
    }

    private static bool IsDecodable(StringSegment charset)
    {
        if (!charset.HasValue || charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        try
        {
            Encoding.GetEncoding(charset.ToString());
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
