using LiveVote.Server.Storage.Sqlite;
using LiveVote.Server.Votes;

namespace LiveVote.Server.Tests.Storage.Sqlite;

/// <summary>The open-addressing hash -> seq table behind the SQLite writer's dedup index.</summary>
public sealed class PollVoteIndexTests
{
    [Fact]
    public void Find_AfterManyAddsThroughGrowth_YieldsEachSeqUnderItsHashAndNothingForAbsentKeys()
    {
        var index = new PollVoteIndex();
        var random = new Random(7);
        var stored = new Dictionary<ulong, long>();
        for (long seq = 1; seq <= 50_000; seq++)
        {
            var hash = PollVoteIndex.HashOf(RandomKey(random));
            stored[hash] = seq;
            index.Add(hash, seq);
        }

        Assert.Equal(stored.Count, index.Count);
        foreach (var (hash, seq) in stored)
        {
            Assert.Equal([seq], Matches(index, hash));
        }

        for (var i = 0; i < 10_000; i++)
        {
            Assert.Empty(Matches(index, PollVoteIndex.HashOf(RandomKey(random))));
        }
    }

    [Fact]
    public void Find_KeysWhoseHashesCollide_YieldsEverySeqStoredUnderThatHash()
    {
        var index = new PollVoteIndex();
        const ulong Shared = 0xDEAD_BEEF_0000_0001UL;
        index.Add(Shared, 10);
        for (long seq = 100; seq < 140; seq++)
        {
            index.Add(PollVoteIndex.HashOf(new VoterKey(0, (ulong)seq)), seq);
        }

        index.Add(Shared, 20);
        index.Add(Shared, 30);

        Assert.Equal([10L, 20L, 30L], Matches(index, Shared).Order());
    }

    [Fact]
    public void HashOf_PlainSequentialKeys_AreAllDifferentAndNeverZero()
    {
        var hashes = Enumerable.Range(0, 100_000).Select(n => PollVoteIndex.HashOf(new VoterKey(0, (ulong)n))).ToHashSet();

        Assert.Equal(100_000, hashes.Count);
        Assert.DoesNotContain(0UL, hashes);
    }

    [Fact]
    public void Remove_EntriesInTheMiddleOfProbeRuns_KeepsEveryOtherEntryReachable()
    {
        // 5,000 entries over the 64 tables, each 1/2-3/4 full: runs of several slots, some wrapping at a table's end.
        var index = new PollVoteIndex();
        var random = new Random(3);
        var entries = Enumerable.Range(1, 5_000).Select(seq => (Hash: PollVoteIndex.HashOf(RandomKey(random)), Seq: (long)seq)).ToList();
        foreach (var (hash, seq) in entries)
        {
            index.Add(hash, seq);
        }

        var removed = entries.Where((_, i) => i % 3 == 0).ToList();
        foreach (var (hash, seq) in removed)
        {
            Assert.True(index.Remove(hash, seq));
        }

        Assert.False(index.Remove(removed[0].Hash, removed[0].Seq));
        Assert.Equal(entries.Count - removed.Count, index.Count);
        foreach (var (hash, seq) in entries)
        {
            Assert.Equal(removed.Contains((hash, seq)) ? [] : [seq], Matches(index, hash));
        }
    }

    [Fact]
    public void Remove_OneOfTwoEntriesUnderTheSameHash_LeavesTheOther()
    {
        var index = new PollVoteIndex();
        index.Add(42, 1);
        index.Add(42, 2);

        Assert.True(index.Remove(42, 1));

        Assert.Equal([2L], Matches(index, 42));
    }

    [Fact]
    public void Bytes_AsAPollGrowsTo300kVotes_StayAtMost32PerStoredVote()
    {
        var index = new PollVoteIndex();
        var random = new Random(11);
        for (long seq = 1; seq <= 300_000; seq++)
        {
            index.Add(PollVoteIndex.HashOf(RandomKey(random)), seq);
            if (seq % 10_000 == 0)
            {
                Assert.InRange(index.Bytes / (double)index.Count, 16, 32);
            }
        }
    }

    [Fact]
    public void Constructor_SizedForTheStoredTotal_HoldsItAt60PercentWithoutGrowing()
    {
        var index = new PollVoteIndex(expectedVotes: 640_000);
        var before = index.Bytes;
        var random = new Random(5);
        for (long seq = 1; seq <= 640_000; seq++)
        {
            index.Add(PollVoteIndex.HashOf(RandomKey(random)), seq);
        }

        Assert.Equal(before, index.Bytes);
        Assert.InRange(index.Bytes / (double)index.Count, 26, 28);
    }

    private static VoterKey RandomKey(Random random) => new((ulong)random.NextInt64(), (ulong)random.NextInt64());

    private static List<long> Matches(PollVoteIndex index, ulong hash)
    {
        var seqs = new List<long>();
        var matches = index.Find(hash);
        while (matches.MoveNext())
        {
            seqs.Add(matches.Current);
        }

        return seqs;
    }
}
