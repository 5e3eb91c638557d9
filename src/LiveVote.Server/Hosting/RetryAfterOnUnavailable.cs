using System.Globalization;
using LiveVote.Server.Ingest;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Hosting;

/// <summary>
/// Declared on a route group: every 503 its handlers return carries <c>Retry-After</c> (<see cref="IngestOptions.RetryAfterSeconds"/>)
/// unless the handler set its own, so a producer's change the store could not take says when to press again, as a vote
/// refused for the same reason does, without each handler repeating it.
/// </summary>
internal static class RetryAfterOnUnavailable
{
    public static TBuilder WithRetryAfterOn503<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var result = await next(context);
            if (StatusOf(result) == StatusCodes.Status503ServiceUnavailable)
            {
                var headers = context.HttpContext.Response.Headers;
                if (headers.RetryAfter.Count == 0)
                {
                    var seconds = context.HttpContext.RequestServices.GetRequiredService<IOptions<IngestOptions>>().Value.RetryAfterSeconds;
                    headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                }
            }

            return result;
        });

    /// <summary>The status of a handler's result, looking inside a <c>Results&lt;...&gt;</c> union.</summary>
    private static int? StatusOf(object? result) => result switch
    {
        INestedHttpResult nested => StatusOf(nested.Result),
        IStatusCodeHttpResult withStatus => withStatus.StatusCode,
        _ => null,
    };
}
