using LiveVote.Server.Audit;
using LiveVote.Server.Polls;
using LiveVote.Server.Storage;
using LiveVote.Server.Votes;

namespace LiveVote.Server.Tests.Storage.Sqlite;

/// <summary>
/// Batches the SQLite store tests commit straight to a store (no writer in between): a poll created and opened, votes,
/// distinct voter keys, poll changes. One copy for the index, snapshot and write-turn tests.
/// </summary>
internal static class StoreBatches
{
    public static readonly DateTimeOffset Start = DateTimeOffset.FromUnixTimeMilliseconds(1_790_000_000_000);

    /// <summary>A voter key of its own for every <paramref name="n"/>, spread over both halves.</summary>
    public static VoterKey Voter(int n) => new(0x5EED_0000_0000_0000UL ^ ((ulong)n << 20), (ulong)n * 7919);

    /// <summary>Poll <paramref name="id"/> with answers a and b, created and opened in one batch.</summary>
    public static async Task<Poll> CreateOpenPollAsync(IVoteStore store, AuditChain chain, string id)
    {
        var draft = PollRules.Create(id, "Poll " + id, [("a", "A"), ("b", "B")], Start);
        var open = draft.MoveTo(PollStatus.Open, Start.AddSeconds(1));
        var batch = new WriteBatch(4) { AtUnixMs = Start.ToUnixTimeMilliseconds() };
        batch.AddPollChange(draft, AuditKinds.PollCreated);
        batch.AddPollChange(open, AuditKinds.PollOpened);
        await store.CommitAsync(batch, chain);
        return open;
    }

    /// <summary>One poll change (<paramref name="kind"/>, e.g. a close) committed alone.</summary>
    public static async Task ChangeAsync(IVoteStore store, AuditChain chain, Poll poll, string kind)
    {
        var batch = new WriteBatch(2) { AtUnixMs = Start.ToUnixTimeMilliseconds() + 20_000 };
        batch.AddPollChange(poll, kind);
        await store.CommitAsync(batch, chain);
    }

    /// <summary>The votes in one batch; what the store decided for each, in order.</summary>
    public static async Task<VoteResult[]> VoteAsync(IVoteStore store, AuditChain chain, params (Poll Poll, string Option, VoterKey Key)[] votes)
    {
        var batch = new WriteBatch(votes.Length) { AtUnixMs = Start.ToUnixTimeMilliseconds() + 5000 };
        foreach (var (poll, option, key) in votes)
        {
            batch.AddVote(new BatchVote(poll, poll.IndexOfOption(option), key));
        }

        await store.CommitAsync(batch, chain);
        return batch.Results.ToArray();
    }
}
