using LiveVote.Contracts;
using LiveVote.Server.Audit;
using LiveVote.Server.Security.RateLimiting;
using LiveVote.Server.Security.Risk;
using LiveVote.Server.Storage;
using LiveVote.Server.Telemetry;

namespace LiveVote.Server.Security.Admin;

/// <summary>
/// Runs before the limits and the endpoints for every request that presents <c>X-Admin-Key</c>:
/// <list type="bullet">
/// <item>from a locked-out network: 429 <c>admin-locked-out</c> with Retry-After, whatever the key (a right key too:
/// otherwise the lockout would tell a guesser when they are right);</item>
/// <item>a right key (constant-time comparison): marks the request as a verified admin (<see cref="AdminKey.IsVerified"/>),
/// so the admin-only endpoints let it in and the public limits skip it;</item>
/// <item>a wrong key: counted for the client network (<see cref="AdminLockout"/>); the failure that crosses the
/// threshold is answered 429 at once, counted in metrics and written to the audit trail.</item>
/// </list>
/// This is the only place the key is compared: everything else reads the verdict (<see cref="AdminKey"/>), and
/// <see cref="AdminKeyRequirement"/> refuses admin-only endpoints without it.
/// </summary>
internal sealed class AdminKeyGuard(RequestDelegate next, ServerSecrets secrets, AdminLockout lockout, AuditNotes notes)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (!context.Request.Headers.TryGetValue(AdminKey.Header, out var keys))
        {
            return next(context);
        }

        var client = ClientNetwork.Of(context);
        if (lockout.IsLockedOut(client.Network, out var remaining))
        {
            LiveVoteTelemetry.AdminLockoutRefused();
            return Refuse(context, remaining);
        }

        if (keys.Count == 1 && secrets.IsAdminKey(keys[0]))
        {
            AdminKey.MarkVerified(context);
            return next(context);
        }

        LiveVoteTelemetry.AdminKeyFailed();
        var step = lockout.RecordFailure(client.Network);
        if (!step.LockedNow)
        {
            return next(context);
        }

        LiveVoteTelemetry.AdminLockedOut();
        notes.Post(new AuditNote(AuditKinds.AdminLockout, null, null, AuditNoteData.AdminLockout(step.Failures, step.Lockout, client.NetworkText())));
        return Refuse(context, step.Lockout);
    }

    private static Task Refuse(HttpContext context, TimeSpan remaining) =>
        RateLimitRejections.Write(context, Math.Max(1, (int)Math.Ceiling(remaining.TotalSeconds)), ErrorCodes.AdminLockedOut,
            "Too many wrong admin keys.",
            "Too many wrong admin keys came from this network: admin-key requests from it are refused until Retry-After seconds have passed.",
            "admin-key");
}
