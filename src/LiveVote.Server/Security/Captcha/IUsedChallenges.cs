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
/// anyway): an atomic set-if-absent that expires. The server keeps it in its store's database
/// (<see cref="StoredUsedChallenges"/> over <see cref="IUsedChallengeTable"/>: the SQLite file of the embedded node, the
/// PostgreSQL database of a fleet), so a solution counts once across nodes and restarts. <see cref="InMemoryUsedChallenges"/>
/// is one process's memory, for a host without a database.
/// </summary>
public interface IUsedChallenges
{
    /// <param name="challenge">The challenge (64 lower-case hex characters), already verified as ours and solved.</param>
    /// <param name="expiresAt">When it expires; it need not be remembered after.</param>
    /// <param name="cancellationToken">The request's abort.</param>
    ValueTask<UsedChallengeMark> TryMarkUsedAsync(string challenge, DateTimeOffset expiresAt, CancellationToken cancellationToken);
}
