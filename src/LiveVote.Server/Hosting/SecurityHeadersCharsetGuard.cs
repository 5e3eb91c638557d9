using System.Text;
using LiveVote.Contracts;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace LiveVote.Server.Hosting;

/// <summary>
/// Refuses a request whose <c>Content-Type</c> names a charset .NET cannot decode with 415 <c>unsupported-media-type</c>:
/// unknown (<c>charset="weird"</c>, or even a quoted <c>"utf-8"</c>), unsupported (<c>utf-7</c>, which .NET refuses
/// with <see cref="NotSupportedException"/> rather than <see cref="ArgumentException"/>) or malformed (a Content-Type
/// that mentions a charset but does not parse, or a charset parameter without a value). Without it the framework's
/// JSON body binding throws an <see cref="InvalidOperationException"/> for such a request, which would be answered
/// 500: found by the hostile-input test, <c>utf-7</c> by its generative successor. Otherwise it decides as the
/// framework's JSON reader does, so nothing it would read in a named charset is refused.
/// </summary>
internal sealed class RequestCharsetGuard(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        var contentType = context.Request.ContentType;
        if (contentType is null || !contentType.Contains("charset", StringComparison.OrdinalIgnoreCase) ||
            (MediaTypeHeaderValue.TryParse(contentType, out var media) && IsDecodable(media)))
        {
            return next(context);
        }

        return Problems.Create(StatusCodes.Status415UnsupportedMediaType, ErrorCodes.UnsupportedMediaType, "Unsupported charset.",
            "The request body's charset is not one the server can read; send JSON as UTF-8 (Content-Type: application/json).").ExecuteAsync(context);
    }

    private static bool IsDecodable(MediaTypeHeaderValue media)
    {
        // The first charset parameter, as the framework reads it; one without a value is malformed, not UTF-8.
        var parameter = media.Parameters.FirstOrDefault(p => p.Name.Equals("charset", StringComparison.OrdinalIgnoreCase));
        if (parameter is null)
        {
            return true;
        }

        var charset = parameter.Value;
        if (StringSegment.IsNullOrEmpty(charset))
        {
            return false;
        }

        if (charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        try
        {
            Encoding.GetEncoding(charset.ToString());
            return true;
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            // ArgumentException: no such encoding. NotSupportedException: known but switched off (UTF-7, SYSLIB0001).
            return false;
        }
    }
}
