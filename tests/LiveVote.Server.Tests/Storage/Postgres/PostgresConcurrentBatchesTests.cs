using LiveVote.Server.Audit;
using LiveVote.Server.Polls;
using LiveVote.Server.Storage;
using LiveVote.Server.Storage.Postgres;
using LiveVote.Server.Tests.Infrastructure;
using LiveVote.Server.Votes;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Xunit.Abstractions;

namespace LiveVote.Server.Tests.Storage.Postgres;

/// <summary>
/// Issue 13, item 6: two writers (two stores on one real PostgreSQL, as two nodes) commit, at the same moment, batches
/// that hold many of the same voters in opposite orders, round after round. No deadlock and no batch lost to the
/// overlap: each voter is stored exactly once, the other writer answers it as a duplicate (or second vote) of that
/// very vote, and every batch's own voters are accepted in one commit.
/// </summary>
public sealed class PostgresConcurrentBatchesTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Rounds = 40;
    private const int SharedVoters = 1000;
    private const int OwnVoters = 100;
    private static readonly DateTimeOffset Start = DateTimeOffset.FromUnixTimeMilliseconds(1_790_000_000_000);
    private readonly List<IVoteStore> _stores = [];
    private readonly List<NpgsqlDataSource> _dataSources = [];
    private PostgresServer? _postgres;

    public async Task InitializeAsync() => _postgres = await PostgresServer.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }

        foreach (var dataSource in _dataSources)
        {
            await dataSource.DisposeAsync();
        }

        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }
    }

    [Fact]
    public async Task Batches_OfTwoWritersWithTheSameVotersInOppositeOrder_NeverDeadlockAndSettleEachVoterOnce()
    {
        var one = await OpenWriterAsync();
        var two = await OpenWriterAsync();
        var polls = new[] { await CreateOpenPollAsync(one, "p-x"), await CreateOpenPollAsync(one, "p-y") };
        var failures = new List<string>();
        var answered = new List<(VoteResult[] One, VoteResult[] Two, Ballot[] OneVotes, Ballot[] TwoVotes)>();

        for (var round = 0; round < Rounds; round++)
        {
            // Writer one: its own voters, then the shared ones in ascending order. Writer two: the shared ones in
            // descending order, then its own. A third of the shared voters choose another option on writer two.
            var shared = Enumerable.Range(0, SharedVoters).Select(i => new Ballot(polls[i % 2], Voter(round, i), "a")).ToArray();
            Ballot[] oneVotes = [.. Enumerable.Range(SharedVoters, OwnVoters).Select(i => new Ballot(polls[i % 2], Voter(round, i), "b")), .. shared];
            Ballot[] twoVotes =
            [
                .. shared.Reverse().Select((b, i) => i % 3 == 0 ? b with { Option = "b" } : b),
                .. Enumerable.Range(SharedVoters + OwnVoters, OwnVoters).Select(i => new Ballot(polls[i % 2], Voter(round, i), "a")),
            ];

            var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var first = Task.Run(async () => { await go.Task; return await one.VoteAsync(oneVotes); });
            var second = Task.Run(async () => { await go.Task; return await two.VoteAsync(twoVotes); });
            go.SetResult();
            var results = await Task.WhenAll(Settle(first, failures), Settle(second, failures));
            if (results[0] is { } r1 && results[1] is { } r2)
            {
                answered.Add((r1, r2, oneVotes, twoVotes));
            }
        }

        output.WriteLine($"{Rounds} rounds of two concurrent batches ({SharedVoters} shared voters, {OwnVoters} own each): {failures.Count} failed commits");
        foreach (var failure in failures.Distinct().Take(5))
        {
            output.WriteLine("  " + failure);
        }

        Assert.Empty(failures);
        var rows = await ReadVoteRowsAsync();
        var xminOfEntry = rows.ToDictionary(r => (r.Writer, r.Seq), r => r.Xmin);
        foreach (var (oneResults, twoResults, oneVotes, twoVotes) in answered)
        {
            var byVoter = new Dictionary<(string, VoterKey), (VoteResult Result, string Option)>();
            foreach (var (result, ballot) in oneResults.Zip(oneVotes))
            {
                byVoter[(ballot.Poll.Id, ballot.Key)] = (result, ballot.Option);
            }

            foreach (var (result, ballot) in twoResults.Zip(twoVotes))
            {
                if (!byVoter.TryGetValue((ballot.Poll.Id, ballot.Key), out var other))
                {
                    Assert.Equal(VoteOutcome.Accepted, result.Outcome);
                    continue;
                }

                // A shared voter: one writer accepted it, the other answered with that very vote.
                var (winner, loser) = other.Result.Outcome == VoteOutcome.Accepted ? (other.Result, result) : (result, other.Result);
                Assert.Equal(VoteOutcome.Accepted, winner.Outcome);
                Assert.Equal(ballot.Option == other.Option ? VoteOutcome.Duplicate : VoteOutcome.AlreadyVoted, loser.Outcome);
                Assert.Equal((winner.Chain, winner.Seq, winner.Receipt), (loser.Chain, loser.Seq, loser.Receipt));
                byVoter.Remove((ballot.Poll.Id, ballot.Key));
            }

            // Writer one's own voters are accepted; each batch's accepted votes were written by one transaction.
            Assert.All(byVoter.Values.Where(v => v.Option == "b"), v => Assert.Equal(VoteOutcome.Accepted, v.Result.Outcome));
            foreach (var batch in new[] { oneResults, twoResults })
            {
                var accepted = batch.Where(r => r.Outcome == VoteOutcome.Accepted).ToArray();
                Assert.True(accepted.Length >= OwnVoters);
                Assert.Single(accepted.Select(r => xminOfEntry[(r.Chain, r.Seq)]).Distinct());
            }
        }

        var voters = Rounds * (SharedVoters + 2 * OwnVoters);
        Assert.Equal(voters, rows.Count);
        Assert.Equal(voters, await ScalarAsync("SELECT count(*) FROM audit WHERE kind = 'vote'"));
        Assert.Equal(voters, await ScalarAsync("SELECT count(DISTINCT (poll_id, voter_key)) FROM audit WHERE kind = 'vote'"));
        Assert.Equal(voters, await ScalarAsync("SELECT coalesce(sum(count), 0) FROM tallies"));
        Assert.Equal(voters, await ScalarAsync("SELECT count(*) FROM votes v JOIN audit a ON a.writer_id = v.writer_id AND a.seq = v.seq AND a.hash = v.receipt"));
    }

    private static async Task<VoteResult[]?> Settle(Task<VoteResult[]> commit, List<string> failures)
    {
        try
        {
            return await commit;
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            lock (failures)
            {
                failures.Add($"{e.GetType().Name}: {e.Message}");
            }

            return null;
        }
    }

    /// <summary>Distinct per round and index; the high half differs from the contract tests' voters.</summary>
    private static VoterKey Voter(int round, int i) => new(0xBA7C_0000_0000_0000UL + (ulong)round, (ulong)i);

    private async Task<Writer> OpenWriterAsync()
    {
        var dataSource = PostgresDataSource.Create(_postgres!.ConnectionString());
        _dataSources.Add(dataSource);
        var store = new PostgresVoteStore(dataSource, TimeProvider.System, NullLogger<PostgresVoteStore>.Instance);
        _stores.Add(store);
        var state = await store.OpenAsync(CancellationToken.None);
        return new Writer(store, new AuditChain(state.LastSeq, state.LastHash));
    }

    private static async Task<Poll> CreateOpenPollAsync(Writer writer, string id)
    {
        var draft = PollRules.Create(id, "Poll " + id, [("a", "A"), ("b", "B")], Start);
        var open = draft.MoveTo(PollStatus.Open, Start.AddSeconds(1));
        await writer.CommitAsync(b =>
        {
            b.AddPollChange(draft, AuditKinds.PollCreated);
            b.AddPollChange(open, AuditKinds.PollOpened);
        });
        return open;
    }

    private async Task<List<(int Writer, long Seq, string Xmin)>> ReadVoteRowsAsync()
    {
        await using var connection = new NpgsqlConnection(PostgresBackends.Unpooled(_postgres!.ConnectionString()));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT writer_id, seq, xmin::text FROM votes", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(int, long, string)>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetInt32(0), reader.GetInt64(1), reader.GetString(2)));
        }

        return rows;
    }

    private async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(PostgresBackends.Unpooled(_postgres!.ConnectionString()));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private sealed record Ballot(Poll Poll, VoterKey Key, string Option);

    /// <summary>A store and the chain its writer extends, committing batches as the batch writer does.</summary>
    private sealed class Writer(IVoteStore store, AuditChain chain)
    {
        public async Task<VoteResult[]> CommitAsync(Action<WriteBatch> fill)
        {
            var batch = new WriteBatch(SharedVoters + OwnVoters);
            fill(batch);
            batch.AtUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            await store.CommitAsync(batch, chain);
            return batch.Results.ToArray();
        }

        public Task<VoteResult[]> VoteAsync(Ballot[] votes) => CommitAsync(b =>
        {
            foreach (var vote in votes)
            {
                b.AddVote(new BatchVote(vote.Poll, vote.Poll.IndexOfOption(vote.Option), vote.Key));
            }
        });
    }
}
