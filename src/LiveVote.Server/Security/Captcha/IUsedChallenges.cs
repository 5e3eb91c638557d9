namespace LiveVote.Server.Security.Captcha;

public enum UsedChallengeMark
{
    /// <summary>First use: the solution counts.</summary>
    Marked,

    /// <summary>Used before: a replay.</summary>
    AlreadyUsed,

    /// <summary>The store cannot take it now (full, or unreachable): refuse rather than risk a second use.</summary>
    Unavailable,
}

/// <summary>
/// Remembers which ALTCHA challenges have been used, until they expire (after that the expiry check refuses them
/// anyway). A single server uses <see cref="InMemoryUsedChallenges"/>. A fleet behind a load balancer must share one
/// store, or a solution could be spent once per node: implement this with an atomic set-if-absent that expires
/// (Redis <c>SET captcha:&lt;challenge&gt; 1 NX PXAT &lt;expires ms&gt;</c>, or an INSERT into a table keyed by challenge)
/// and register it as the <see cref="IUsedChallenges"/> singleton; nothing else changes.
/// </summary>
public interface IUsedChallenges
{
    /// <param name="challenge">The challenge (64 lower-case hex characters), already verified as ours and solved.</param>
    /// <param name="expiresAt">When it expires; it need not be remembered after.</param>
    /// <param name="cancellationToken">The request's abort.</param>
    ValueTask<UsedChallengeMark> TryMarkUsedAsync(string challenge, DateTimeOffset expiresAt, CancellationToken cancellationToken);
}
