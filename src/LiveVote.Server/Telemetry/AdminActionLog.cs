using System.Diagnostics;
using LiveVote.Server.Security.Admin;
using LiveVote.Server.Security.Operators;
using LiveVote.Server.Security.RateLimiting;

namespace LiveVote.Server.Telemetry;

/// <summary>
/// One log line per producer action (a request with the admin key or a signed-in operator's session that changes
/// something: create, open, close a poll), with its answer and who pressed: the operator's name, or <c>admin-key</c>. Back-end viewer registrations carry the admin key too but are viewer traffic, not producer actions,
/// so they are left out, as votes are (known by the <see cref="RequestKind"/> their endpoint declares). The client is
/// logged as its network only (IPv4 /24, IPv6 /48). Wrong keys are logged too: the line is about who tried what; but
/// anyone can send them, so their lines are capped (<see cref="RefusedAdminLogQuota"/>).
/// </summary>
internal static partial class AdminActionLog
{
    public static IApplicationBuilder UseAdminActionLog(this IApplicationBuilder app)
    {
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("LiveVote.Server.Admin");
        var refusedLines = app.ApplicationServices.GetRequiredService<RefusedAdminLogQuota>();
        return app.Use(next => context =>
        {
            // A read or viewer traffic (votes above all) is never logged: handed on as it is, with no await to pay for.
            // The method and the matched endpoint are known here and do not change while the request runs.
            return IsChange(context.Request.Method) && !IsViewerTraffic(context) ? LogAfterAsync(context, next, logger, refusedLines) : next(context);
        });
    }

    private static async Task LogAfterAsync(HttpContext context, RequestDelegate next, ILogger logger, RefusedAdminLogQuota refusedLines)
    {
        await next(context);
        var request = context.Request;
        if ((request.Headers.ContainsKey(AdminKey.Header) || OperatorSession.IsSignedIn(context))
            && logger.IsEnabled(LogLevel.Information) && (AdminKey.IsVerified(context) || refusedLines.TryTake()))
        {
            // Untraced requests have no Activity (hosting's per-request one is off, see TelemetrySetup): the line
            // gets a trace id of its own, so every producer action can still be quoted and found by its id.
            using var own = Activity.Current is null ? new Activity("livevote.admin.action").Start() : null;
            var network = ClientNetwork.Of(context).NetworkText();
            var pressedBy = OperatorSession.NameOf(context) ?? "wrong-admin-key";
            LogAction(logger, request.Method, request.Path.Value ?? "", context.Response.StatusCode, pressedBy, network);
        }
    }

    private static bool IsChange(string method) => !HttpMethods.IsGet(method) && !HttpMethods.IsHead(method) && !HttpMethods.IsOptions(method);

    private static bool IsViewerTraffic(HttpContext context) => RequestKinds.Of(context) is RequestKind.Register or RequestKind.Vote;

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Admin action {Method} {Path} answered {Status} by {Operator} (client network {ClientNetwork})")]
    private static partial void LogAction(ILogger logger, string method, string path, int status, string @operator, string clientNetwork);
}
