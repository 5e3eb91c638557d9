using LiveVote.Server.Audit;
using LiveVote.Server.Polls;
using LiveVote.Server.Storage;
using LiveVote.Server.Storage.Sqlite;
using LiveVote.Server.Votes;

namespace LiveVote.StoreBench;

/// <summary>
/// One open poll of three options in a freshly opened <see cref="SqliteVoteStore"/>, and batches of votes by random
/// voters (seeded, so two runs write the same keys): what the plain store bench and the growth bench both commit.
/// </summary>
internal sealed class RandomVotes
{
    private readonly Random _random = new(1);
    private readonly byte[] _key = new byte[VoterKey.Size];

    private RandomVotes(AuditChain chain, Poll poll, int batchSize)
    {
        Chain = chain;
        Poll = poll;
        Batch = new WriteBatch(batchSize);
    }

    public AuditChain Chain { get; }

    public Poll Poll { get; }

    public WriteBatch Batch { get; }

    /// <summary>Opens the store and commits the poll (created and open) in a batch of its own.</summary>
    public static async Task<RandomVotes> OpenPollAsync(SqliteVoteStore store, string pollId, int batchSize)
    {
        var state = await store.OpenAsync(CancellationToken.None);
        var now = DateTimeOffset.UtcNow;
        var poll = PollRules.Create(pollId, "Bench", [("a", "A"), ("b", "B"), ("c", "C")], now).MoveTo(PollStatus.Open, now);
        var votes = new RandomVotes(new AuditChain(state.LastSeq, state.LastHash), poll, batchSize);
        votes.Batch.AddPollChange(poll, AuditKinds.PollCreated);
        await store.CommitAsync(votes.Batch, votes.Chain);
        votes.Batch.Clear();
        return votes;
    }

    /// <summary>Fills the batch with <paramref name="count"/> votes of new random voters, stamped now.</summary>
    public void Fill(int count)
    {
        for (var i = 0; i < count; i++)
        {
            _random.NextBytes(_key);
            Batch.AddVote(new BatchVote(Poll, i % 3, VoterKey.Read(_key)));
        }

        Batch.AtUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
    }
}
