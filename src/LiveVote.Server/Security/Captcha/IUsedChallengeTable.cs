namespace LiveVote.Server.Security.Captcha;

/// <summary>A used challenge as a table keeps it: the 32 bytes of its SHA-256 hex, and its expiry in Unix ms.</summary>
internal readonly record struct UsedChallenge(byte[] Key, long ExpiresAtMs);

/// <summary>
/// The table of used ALTCHA challenges in the node's own database (<c>used_challenges</c>): the SQLite file of the
/// embedded node, or the PostgreSQL database every node of a fleet shares. Its primary key settles "first use" for
/// every writer of that database, across nodes and restarts. Registered by <c>StorageSetup</c> for its store; used
/// through <see cref="StoredUsedChallenges"/> (marks) and <see cref="UsedChallengePurge"/> (expiry).
/// </summary>
internal interface IUsedChallengeTable
{
    /// <summary>
    /// Inserts, in one transaction, each challenge not already in the table. Returns, in the same order, whether each
    /// was inserted now (false: it was there, a replay). The challenges are distinct. Throws when the database cannot
    /// answer; then nothing may be assumed about the batch.
    /// </summary>
    Task<bool[]> InsertNewAsync(IReadOnlyList<UsedChallenge> challenges, CancellationToken cancellationToken);

    /// <summary>
    /// <see cref="InsertNewAsync"/> for a writer with more batches coming: the table may keep what it opened (SQLite:
    /// its connection, with the page cache and the prepared insert) for the next call, until <see cref="ReleaseAsync"/>.
    /// One caller at a time. A table with a pool of its own (PostgreSQL) keeps nothing.
    /// </summary>
    Task<bool[]> InsertNewKeepingOpenAsync(IReadOnlyList<UsedChallenge> challenges, CancellationToken cancellationToken) =>
        InsertNewAsync(challenges, cancellationToken);

    /// <summary>Lets go of what <see cref="InsertNewKeepingOpenAsync"/> kept.</summary>
    ValueTask ReleaseAsync() => ValueTask.CompletedTask;

    /// <summary>Deletes the challenges that expired before <paramref name="cutoff"/>; returns how many.</summary>
    Task<int> DeleteExpiredAsync(DateTimeOffset cutoff, CancellationToken cancellationToken);
}
