using LiveVote.Server.Audit;
using LiveVote.Server.Audit.Merkle;
using LiveVote.Server.Polls;

namespace LiveVote.Server.Storage;

/// <summary>
/// Durable storage of polls, votes, tallies and the audit chain. Only the batch writer calls <see cref="CommitAsync"/>;
/// request threads only read. Implementations: <see cref="Sqlite.SqliteVoteStore"/> (embedded default).
/// </summary>
public interface IVoteStore : IAsyncDisposable
{
    /// <summary>Opens the store, creating or migrating the schema, and loads what the writer resumes from.</summary>
    Task<StoreState> OpenAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Applies the batch in ONE transaction: each vote is inserted if absent on (poll, voter key), else decided as a
    /// duplicate or a second vote; accepted votes and poll changes get audit entries appended to <paramref name="chain"/>
    /// and tallies grow. Returns only once the transaction is durable, and throws when it did not commit. It takes no
    /// cancellation token on purpose: a commit in flight is never cancelled (its outcome would be unknown).
    /// </summary>
    ValueTask CommitAsync(WriteBatch batch, AuditChain chain);

    /// <summary>Audit entries of one poll with seq greater than <paramref name="afterSeq"/>, in order.</summary>
    Task<IReadOnlyList<AuditEntry>> ReadAuditAsync(string pollId, long afterSeq, int limit, CancellationToken cancellationToken);

    /// <summary>Whether the store answers a trivial query now.</summary>
    Task<bool> PingAsync(CancellationToken cancellationToken);
}

/// <summary>What the store holds when it opens: the writer resumes the chain and the tallies from it.</summary>
/// <param name="Logs">
/// The right edge of each poll's Merkle log in the resumed chain (SQLite); null or empty when the chain starts empty
/// (PostgreSQL: every writer starts a new chain).
/// </param>
public sealed record StoreState(
    IReadOnlyList<Poll> Polls,
    IReadOnlyDictionary<string, long[]> Tallies,
    long LastSeq,
    Sha256Hash LastHash,
    long VoteCount,
    IReadOnlyDictionary<string, MerkleFrontier>? Logs = null);
