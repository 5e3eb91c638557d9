namespace LiveVote.Server.Security.Admin;

/// <summary>
/// The request's verdict on its <c>X-Admin-Key</c>. <see cref="AdminKeyGuard"/> compares the key, once per request and
/// in constant time; everything else (the admin-only endpoints, drafts, back-end registration, the limits) reads the
/// verdict here instead of comparing again, so there is one comparison to get right.
/// </summary>
public static class AdminKey
{
    public const string Header = "X-Admin-Key";

    /// <summary>Whether the request carried the right admin key (whether or not its network is locked out).</summary>
    public static bool IsVerified(HttpContext context) => context.Features.Get<VerifiedAdmin>() is not null;

    internal static void MarkVerified(HttpContext context) => context.Features.Set(VerifiedAdmin.Instance);

    /// <summary>Request feature: present only on requests whose key <see cref="AdminKeyGuard"/> verified.</summary>
    private sealed class VerifiedAdmin
    {
        public static readonly VerifiedAdmin Instance = new();
    }
}
