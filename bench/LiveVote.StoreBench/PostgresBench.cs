using System.Globalization;
using LiveVote.Server.Audit;
using LiveVote.Server.Polls;
using LiveVote.Server.Storage;
using LiveVote.Server.Storage.Postgres;
using LiveVote.Server.Votes;
using LiveVote.StoreBench;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

/// <summary>
/// Drives the real PostgreSQL commit path (<see cref="PostgresVoteStore.CommitAsync"/>: poll share-lock, standing-vote
/// read, unnest insert ON CONFLICT DO NOTHING, audit chain rows, per-writer tallies, one transaction per batch) with
/// random 128-bit voter keys, from one or more writers at once: each writer is its own store instance with its own
/// connection and chain, as each API node's batch writer is. Prints the rate per window, per million and overall.
/// <para>
/// Several connection strings = several independent clusters (store partitions) written at the same time, as a node
/// with <c>LiveVote:Postgres:Partitions:0..n</c> does: the poll is created in every cluster with that partition count,
/// each cluster gets <c>--writers</c> writers of its own, and each writer commits only voters that
/// <see cref="VoterPartitioner"/> maps to its cluster (random keys, the others skipped), so the clusters split the
/// voters as the server would. Prints each cluster's rate besides the total.
/// </para>
/// Usage: --postgres CONNSTR [CONNSTR ...] [--writers 1] [--votes 2000000] [--batch 1000] [--report 250000]
/// [--max-seconds 0] (--writers: per cluster; --votes: over all clusters; --max-seconds: stop early after that long,
/// whichever comes first; 0 = no limit).
/// </summary>
internal static class PostgresBench
{
    // Stored keys read back per cluster to check they belong there: enough to catch a routing mistake, cheap to read.
    private const int RoutingSample = 1000;

    public static async Task<int> RunAsync(string[] args)
    {
        var connectionStrings = args.TakeWhile(a => !a.StartsWith("--", StringComparison.Ordinal)).ToArray();
        if (connectionStrings.Length == 0)
        {
            Console.Error.WriteLine("usage: --postgres CONNSTR [CONNSTR ...] [--writers N] [--votes N] [--batch N] [--report N] [--max-seconds N]");
            return 2;
        }

        var clusters = connectionStrings.Length;
        var writers = Option(args, "--writers", 1);
        var batchSize = Option(args, "--batch", 1000);
        var streams = clusters * writers;
        var total = Option(args, "--votes", 2_000_000) / (streams * batchSize) * (streams * batchSize);
        var report = Option(args, "--report", 250_000);
        var maxSeconds = Option(args, "--max-seconds", 0);

        // One data source per writer, as each node of a fleet has its own for each cluster.
        var stores = new PostgresVoteStore[clusters, writers];
        try
        {
            for (var c = 0; c < clusters; c++)
            {
                for (var w = 0; w < writers; w++)
                {
                    stores[c, w] = new PostgresVoteStore(PostgresDataSource.Create(connectionStrings[c]), TimeProvider.System, NullLogger<PostgresVoteStore>.Instance);
                    await stores[c, w].OpenAsync(CancellationToken.None);
                }
            }

            // Every poll row exists in every cluster (the server fans poll changes out to all of them).
            Poll poll = null!;
            for (var c = 0; c < clusters; c++)
            {
                poll = await CreateOpenPollAsync(stores[c, 0], batchSize, clusters);
            }

            var progress = new BenchProgress(report, maxSeconds > 0 ? TimeSpan.FromSeconds(maxSeconds) : TimeSpan.MaxValue, clusters);
            var refused = new long[streams];
            var perWriter = total / streams;
            await Task.WhenAll(Enumerable.Range(0, streams).Select(s => Task.Run(async () =>
                refused[s] = await WriteAsync(stores[s / writers, s % writers], poll, s / writers, perWriter, batchSize, seed: s + 1, progress))));
            var elapsed = progress.Elapsed;
            var committed = progress.Done;

            var ok = refused.Sum() == 0;
            var rows = new long[clusters];
            for (var c = 0; c < clusters; c++)
            {
                rows[c] = await CountVotesAsync(connectionStrings[c], poll.Id);
                var misrouted = await CountMisroutedAsync(connectionStrings[c], poll.Id, c, clusters);
                // Random 128-bit keys never collide in practice: every vote must be a stored row in its own cluster,
                // or the run measured nothing.
                ok &= rows[c] == progress.ClusterDone(c) && misrouted == 0;
                if (misrouted != 0)
                {
                    Console.Error.WriteLine($"cluster {c}: {misrouted} of {RoutingSample} sampled voter keys belong to another cluster");
                }
            }

            var perCluster = (Func<int, string> format) => string.Join(',', Enumerable.Range(0, clusters).Select(format));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"RESULT clusters={clusters} writers={writers} batch={batchSize} votes={committed} seconds={elapsed.TotalSeconds:F1} " +
                $"overall={committed / elapsed.TotalSeconds:F0} first={progress.FirstWindowRate:F0} last={progress.LastWindowRate:F0} " +
                $"per_million={string.Join(',', progress.PerMillion.Select(r => r.ToString("F0", CultureInfo.InvariantCulture)))} " +
                $"rows={rows.Sum()} not_accepted={refused.Sum()} client_cpu={System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds:F1} " +
                $"cluster_votes={perCluster(c => progress.ClusterDone(c).ToString(CultureInfo.InvariantCulture))} " +
                $"cluster_overall={perCluster(c => progress.ClusterRate(c).ToString("F0", CultureInfo.InvariantCulture))} " +
                $"cluster_rows={perCluster(c => rows[c].ToString(CultureInfo.InvariantCulture))}"));
            return ok ? 0 : 1;
        }
        finally
        {
            foreach (var store in stores)
            {
                if (store is not null)
                {
                    await store.DisposeAsync();
                }
            }
        }
    }

    private static async Task<Poll> CreateOpenPollAsync(PostgresVoteStore store, int batchSize, int partitions)
    {
        var now = DateTimeOffset.UtcNow;
        var draft = PollRules.Create("p-bench", "Bench", [("a", "A"), ("b", "B"), ("c", "C")], now) with { PartitionCount = partitions };
        var open = draft.MoveTo(PollStatus.Open, now);
        var chain = new AuditChain(0, Sha256Hash.Zero);
        var batch = new WriteBatch(batchSize) { AtUnixMs = now.ToUnixTimeMilliseconds() };
        batch.AddPollChange(draft, AuditKinds.PollCreated);
        batch.AddPollChange(open, AuditKinds.PollOpened);
        await store.CommitAsync(batch, chain);
        return open;
    }

    /// <summary>
    /// Commits <paramref name="votes"/> random votes of voters in <paramref name="cluster"/> in full batches; returns how
    /// many were not accepted.
    /// </summary>
    private static async Task<long> WriteAsync(PostgresVoteStore store, Poll poll, int cluster, int votes, int batchSize, int seed, BenchProgress progress)
    {
        var chain = new AuditChain(0, Sha256Hash.Zero);
        var batch = new WriteBatch(batchSize);
        var random = new Random(seed);
        var key = new byte[VoterKey.Size];
        long notAccepted = 0;
        for (var done = 0; done < votes && !progress.TimeIsUp; done += batchSize)
        {
            for (var i = 0; i < batchSize; i++)
            {
                VoterKey voter;
                do
                {
                    random.NextBytes(key);
                    voter = VoterKey.Read(key);
                }
                while (VoterPartitioner.PartitionOf(voter, poll.PartitionCount) != cluster);

                batch.AddVote(new BatchVote(poll, i % 3, voter));
            }

            batch.AtUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            await store.CommitAsync(batch, chain);
            foreach (var result in batch.Results)
            {
                notAccepted += result.Outcome == VoteOutcome.Accepted ? 0 : 1;
            }

            batch.Clear();
            progress.Add(cluster, batchSize);
        }

        return notAccepted;
    }

    private static async Task<long> CountVotesAsync(string connectionString, string pollId)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM votes WHERE poll_id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = pollId });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>How many of a sample of the cluster's stored voter keys <see cref="VoterPartitioner"/> maps elsewhere.</summary>
    private static async Task<int> CountMisroutedAsync(string connectionString, string pollId, int cluster, int clusters)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT voter_key FROM votes WHERE poll_id = $1 LIMIT $2", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = pollId });
        command.Parameters.Add(new NpgsqlParameter { Value = RoutingSample });
        await using var reader = await command.ExecuteReaderAsync();
        var misrouted = 0;
        while (await reader.ReadAsync())
        {
            misrouted += VoterPartitioner.PartitionOf(VoterKey.Read(reader.GetFieldValue<byte[]>(0)), clusters) == cluster ? 0 : 1;
        }

        return misrouted;
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
