using LiveVote.Server.Security.Admin;

namespace LiveVote.Server.Security.RateLimiting;

/// <summary>
/// The admin-key code lives in <c>Security/Admin/</c> now. <c>Security/Risk/</c> (VoteRiskGate, RegistrationSignals) is
/// being rewritten in parallel and still asks <c>AdminKeyGuard.IsVerifiedAdmin</c> through this namespace; this keeps it
/// compiling without touching it. Delete once Risk reads <see cref="AdminKey.IsVerified"/> itself.
/// </summary>
internal static class AdminKeyGuard
{
    public static bool IsVerifiedAdmin(HttpContext context) => AdminKey.IsVerified(context);
}
