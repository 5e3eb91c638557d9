using LiveVote.Server.Security.Admin;

namespace LiveVote.Server.Security.Operators;

/// <summary>
/// Who is pressing the buttons of a request: a named operator signed in through the broadcaster's OIDC provider
/// (<see cref="OperatorSessionGuard"/> marks the request), or whoever holds the admin key (<see cref="AdminKeyName"/>).
/// A signed-in operator's request is also marked as a verified admin (<see cref="AdminKey.IsVerified"/>), so everything
/// that reads that verdict (admin-only endpoints, drafts, the limits) treats both alike.
/// </summary>
public static class OperatorSession
{
    /// <summary>What the audit trail and the admin action log record when the admin key was used: it names nobody.</summary>
    public const string AdminKeyName = "admin-key";

    public const string OidcMethod = "oidc";

    /// <summary>The operator's name, <see cref="AdminKeyName"/> for the admin key, or null for anybody else.</summary>
    public static string? NameOf(HttpContext context) =>
        context.Features.Get<SignedInOperator>()?.Name ?? (AdminKey.IsVerified(context) ? AdminKeyName : null);

    /// <summary>Whether the request came with a signed-in operator's session (rather than, or without, the admin key).</summary>
    public static bool IsSignedIn(HttpContext context) => context.Features.Get<SignedInOperator>() is not null;

    internal static void MarkSignedIn(HttpContext context, string name)
    {
        context.Features.Set(new SignedInOperator(name));
        AdminKey.MarkVerified(context);
    }

    /// <summary>Request feature: present only on requests with a valid operator session.</summary>
    private sealed record SignedInOperator(string Name);
}
