using LiveVote.Server.Polls;

namespace LiveVote.Server.Storage;

/// <summary>
/// A store that several nodes write at once (PostgreSQL). Each node's own writer knows only its own votes, so polls and
/// totals are read back from the store by <see cref="SharedStateRefresher"/> and every node serves the same figures.
/// </summary>
public interface ISharedVoteStore : IVoteStore
{
    /// <summary>Every poll, and its totals summed over all writers.</summary>
    Task<SharedState> ReadSharedStateAsync(CancellationToken cancellationToken);

    /// <summary>One poll as the store holds it now, or null.</summary>
    Task<Poll?> ReadPollAsync(string pollId, CancellationToken cancellationToken);
}

/// <summary>Polls and summed tallies read from a shared store.</summary>
public sealed record SharedState(IReadOnlyList<Poll> Polls, IReadOnlyDictionary<string, long[]> Tallies);

/// <summary>A poll change another node made first (or that is no longer valid): the batch wrote nothing.</summary>
public sealed class PollChangeRefusedException : Exception
{
    public PollChangeRefusedException(string pollId)
        : base($"The change of poll {pollId} was refused by the store.") => PollId = pollId;

    public PollChangeRefusedException()
        : this("")
    {
    }

    public PollChangeRefusedException(string message, Exception innerException)
        : base(message, innerException) => PollId = "";

    public string PollId { get; }
}
