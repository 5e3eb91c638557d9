using LiveVote.Contracts;
using LiveVote.Server.Security.RateLimiting;
using LiveVote.Server.Telemetry;

namespace LiveVote.Server.Security.Admin;

/// <summary>
/// Runs before the limits and the endpoints for every request that presents <c>X-Admin-Key</c>:
/// <list type="bullet">
/// <item>a right key (constant-time comparison): marks the request as a verified admin (<see cref="AdminKey.IsVerified"/>),
/// so the admin-only endpoints let it in and the public limits skip it, even when its network is locked out: a
/// producer behind a shared NAT must not be locked out mid-show by someone else's wrong keys;</item>
/// <item>a wrong key from a locked-out network: 429 <c>admin-locked-out</c> with Retry-After;</item>
/// <item>any other wrong key: counted for the client network (<see cref="AdminLockout"/>); the failure that crosses the
/// threshold is answered 429 at once, counted in metrics and written to the audit trail (boundedly:
/// <see cref="AdminLockoutNotes"/>).</item>
/// </list>
/// Letting the right key through a lockout means the lockout no longer slows a guesser down: the key's length does
/// (a generated key has 256 random bits; a configured one at least 16 characters). What the lockout still does is
/// make the attempt visible and cheap to refuse.
/// This is the only place the key is compared: everything else reads the verdict (<see cref="AdminKey"/>), and
/// <see cref="AdminKeyRequirement"/> refuses admin-only endpoints without it.
/// </summary>
internal sealed class AdminKeyGuard(RequestDelegate next, ServerSecrets secrets, AdminLockout lockout, AdminLockoutNotes notes)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (!context.Request.Headers.TryGetValue(AdminKey.Header, out var keys))
        {
            return next(context);
        }

        if (keys.Count == 1 && secrets.IsAdminKey(keys[0]))
        {
            AdminKey.MarkVerified(context);
            return next(context);
        }

        var client = ClientNetwork.Of(context);
        if (lockout.IsLockedOut(client.Network, out var remaining))
        {
            LiveVoteTelemetry.AdminLockoutRefused();
            return Refuse(context, remaining);
        }

        LiveVoteTelemetry.AdminKeyFailed();
        var step = lockout.RecordFailure(client.Network);
        if (!step.LockedNow)
        {
            return next(context);
        }

        LiveVoteTelemetry.AdminLockedOut();
        notes.Write(step, client.NetworkText());
        return Refuse(context, step.Lockout);
    }

    private static Task Refuse(HttpContext context, TimeSpan remaining) =>
        RateLimitRejections.Write(context, Math.Max(1, (int)Math.Ceiling(remaining.TotalSeconds)), ErrorCodes.AdminLockedOut,
            "Too many wrong admin keys.",
            "Too many wrong admin keys came from this network: requests with a wrong admin key from it are refused until Retry-After seconds have passed.",
            "admin-key");
}
