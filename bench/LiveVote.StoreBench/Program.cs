using System.Diagnostics;
using System.Globalization;
using LiveVote.Server.Audit;
using LiveVote.Server.Polls;
using LiveVote.Server.Storage;
using LiveVote.Server.Storage.Sqlite;
using LiveVote.Server.Votes;
using LiveVote.StoreBench;
using Microsoft.Extensions.Options;

// Commits random votes straight into SqliteVoteStore (WAL, synchronous=FULL: every commit is fsynced) in batches, to
// measure the embedded store alone, without HTTP. Usage: [batch size, default 1000] [votes, default 1000000].
// STOREBENCH_KEEP=<dir> writes the database there and keeps it (e.g. to time proofs over 10M stored votes).
// With --postgres CONNSTR [CONNSTR ...] it drives PostgresVoteStore instead, on one or several clusters (see
// PostgresBench.cs; bench/pg-tuning.sh runs it). With --growth it measures cost and memory as stored votes grow up to
// 20M (see GrowthBench.cs; bench/growth.sh runs it).
if (args.Length > 0 && args[0] == "--postgres")
{
    return await PostgresBench.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "--growth")
{
    return await GrowthBench.RunAsync(args[1..]);
}

if (args.Length > 2 && args[0] == "--plot")
{
    return await GrowthBench.PlotAsync(args[1], args[2], batchSize: 1000);
}

var batchSize = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1000;
var total = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1_000_000;
var keep = Environment.GetEnvironmentVariable("STOREBENCH_KEEP");
var directory = string.IsNullOrEmpty(keep) ? Path.Combine(Path.GetTempPath(), "livevote-storebench-" + Guid.NewGuid().ToString("N")) : Path.GetFullPath(keep);
var path = Path.Combine(directory, "bench.db");
await using (var store = new SqliteVoteStore(Options.Create(new SqliteOptions { Path = path })))
{
    var votes = await RandomVotes.OpenPollAsync(store, "p-bench", batchSize);
    var all = Stopwatch.StartNew();
    var lap = Stopwatch.StartNew();
    const int report = 250_000;
    for (var done = 0; done < total; done += batchSize)
    {
        votes.Fill(batchSize);
        await store.CommitAsync(votes.Batch, votes.Chain);
        votes.Batch.Clear();
        if ((done + batchSize) % report == 0)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{done + batchSize,10:N0} votes: {report / lap.Elapsed.TotalSeconds,9:N0} votes/s"));
            lap.Restart();
        }
    }

    var bytes = new DirectoryInfo(directory).GetFiles("bench.db*").Where(f => !f.Name.EndsWith(".lock", StringComparison.Ordinal)).Sum(f => f.Length);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"batch {batchSize}: {total / all.Elapsed.TotalSeconds:N0} votes/s overall, {bytes / (double)total:N0} bytes per stored vote"));
}

if (string.IsNullOrEmpty(keep))
{
    Directory.Delete(directory, recursive: true);
}

return 0;
