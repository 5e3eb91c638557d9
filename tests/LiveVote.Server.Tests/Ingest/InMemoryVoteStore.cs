using LiveVote.Server.Audit;
using LiveVote.Server.Polls;
using LiveVote.Server.Storage;
using LiveVote.Server.Votes;

namespace LiveVote.Server.Tests.Ingest;

/// <summary>
/// A store in memory for the writer's unit tests: it decides with the real <see cref="BatchDecider"/> and records what
/// each commit held, in batch order ("vote:p1:1", "poll-closed:p1", "note:risk-decision"). A commit can be held at a
/// gate or made to fail, so the tests choose what the writer sees without any I/O.
/// </summary>
internal sealed class InMemoryVoteStore(StoreState initial) : IVoteStore, IBatchLookups
{
    private readonly BatchDecider _decider = new();
    private readonly Dictionary<string, PollStatus> _status = initial.Polls.ToDictionary(p => p.Id, p => p.Status, StringComparer.Ordinal);
    private readonly Dictionary<(string, VoterKey), StandingVote> _standing = [];
    private readonly List<IReadOnlyList<string>> _commits = [];

    public InMemoryVoteStore(params Poll[] polls)
        : this(new StoreState(polls, new Dictionary<string, long[]>(), 0, Sha256Hash.Zero, 0))
    {
    }

    /// <summary>Each committed batch, its items in batch order.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Commits
    {
        get
        {
            lock (_commits)
            {
                return [.. _commits];
            }
        }
    }

    /// <summary>When set, a commit whose items it answers an exception for throws that (nothing of it is stored).</summary>
    public Func<IReadOnlyList<string>, Exception?>? FailWhen { get; set; }

    /// <summary>When set, a commit waits for it before doing anything.</summary>
    public TaskCompletionSource? Gate { get; set; }

    /// <summary>Completed when a commit reaches the gate, so a test knows the writer is inside a commit.</summary>
    public TaskCompletionSource AtGate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<StoreState> OpenAsync(CancellationToken cancellationToken) => Task.FromResult(initial);

    public async ValueTask CommitAsync(WriteBatch batch, AuditChain chain)
    {
        if (Gate is { } gate)
        {
            AtGate.TrySetResult();
            await gate.Task;
        }

        if (FailWhen?.Invoke(Describe(batch)) is { } failure)
        {
            throw failure;
        }

        chain.Mark();
        _decider.Decide(batch, chain, this);
        foreach (var entry in batch.AuditOnlyEntries)
        {
            if (entry.Poll is { } poll)
            {
                _status[poll.Id] = poll.Status;
            }
        }

        lock (_commits)
        {
            _commits.Add(Describe(batch));
        }
    }

    public Task<IReadOnlyList<AuditEntry>> ReadAuditAsync(string pollId, long afterSeq, int limit, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<AuditEntry>>([]);

    public Task<bool> PingAsync(CancellationToken cancellationToken) => Task.FromResult(true);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    bool IBatchLookups.IsOpen(string pollId) => _status.TryGetValue(pollId, out var status) && status == PollStatus.Open;

    bool IBatchLookups.TryGetStanding(string pollId, in VoterKey voterKey, out StandingVote vote) => _standing.TryGetValue((pollId, voterKey), out vote);

    void IBatchLookups.AddStanding(string pollId, in VoterKey voterKey, in StandingVote vote) => _standing[(pollId, voterKey)] = vote;

    private static List<string> Describe(WriteBatch batch)
    {
        var items = new List<string>();
        var next = 0;
        for (var i = 0; i <= batch.VoteCount; i++)
        {
            while (next < batch.AuditOnlyEntries.Count && batch.AuditOnlyEntries[next].Position == i)
            {
                var entry = batch.AuditOnlyEntries[next++];
                items.Add(entry.Poll is { } poll ? $"{entry.Kind}:{poll.Id}" : $"note:{entry.Kind}");
            }

            if (i < batch.VoteCount)
            {
                items.Add($"vote:{batch.Votes[i].Poll.Id}:{batch.Votes[i].VoterKey.Low}");
            }
        }

        return items;
    }
}
