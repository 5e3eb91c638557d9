using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Security.RateLimiting;

public static class RateLimitingSetup
{
    /// <summary>The limits (<see cref="RateLimitOptions"/>, validated at start) and ASP.NET Core's rate limiter.</summary>
    public static WebApplicationBuilder AddRateLimits(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<RequestLimiter>();
        builder.Services.AddSingleton<ViewerVoteLimit>();
        builder.Services.AddRateLimiter(_ => { });
        builder.Services.AddOptions<RateLimiterOptions>().Configure<RequestLimiter, IOptions<RateLimitOptions>>((options, limiter, limits) =>
        {
            options.GlobalLimiter = limiter;
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            var busyRetryAfter = limits.Value.BusyRetryAfterSeconds;
            options.OnRejected = (context, _) => new ValueTask(RateLimitRejections.WriteAsync(context.HttpContext, busyRetryAfter));
        });
        return builder;
    }

    /// <summary>
    /// After routing (so a request's endpoint and its <see cref="RequestKind"/> are known) and the admin-key guard. An
    /// exempt request (health, results streams) skips the middleware: the limiter would grant it a lease that limits
    /// nothing (<see cref="RequestLimiter"/>), and the middleware awaits the rest of the request, which for a results
    /// stream is one suspended async frame for as long as the stream is open.
    /// </summary>
    public static WebApplication UseRateLimits(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseWhen(static context => RequestKinds.Of(context) != RequestKind.Exempt, limited => limited.UseRateLimiter());
        return app;
    }
}
