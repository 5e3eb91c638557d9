using System.Diagnostics;
using System.Globalization;
using System.Text;
using LiveVote.Server.Audit;
using LiveVote.Server.Polls;
using LiveVote.Server.Storage;
using LiveVote.Server.Storage.Sqlite;
using LiveVote.Server.Votes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LiveVote.StoreBench;

/// <summary>
/// How the embedded store's cost changes as the show grows (bench/growth.sh): commits random votes into
/// <see cref="SqliteVoteStore"/> (WAL, synchronous=FULL: every batch fsynced) up to <c>--votes</c>, and after each
/// <c>--step</c> records the rate, the process CPU per vote (robust to a busy machine, unlike the rate), the dedup
/// index's bytes per stored vote, the process's resident and managed memory and the file's bytes per vote. Then it
/// closes the store and times reopening it (the index rebuilt from the file). Writes growth.tsv and two SVG plots
/// (throughput and memory against stored votes) into <c>--out</c>; the database stays in <c>--db</c> for the
/// restart of the real server that growth.sh times.
/// Usage: --growth --db DIR --out DIR [--votes 20000000] [--step 1000000] [--batch 1000] [--max-seconds 0] (stop
/// writing after that long, at the next step; 0 = no limit) [--snapshot-min-votes N] (the store's
/// IndexSnapshotMinVotes: a huge N turns the snapshots written while running off, to compare) [--crash-end] (end like a crash: the process exits without
/// closing the store, so the database keeps the newest index snapshot written while running and the votes after it,
/// for growth.sh's crash restart; no reopen is timed) [--reference-votes 1000000] (after each step, that many votes
/// into a fresh store beside it, 0 = none: see <see cref="ReferenceAsync"/>). <c>--plot TSV DIR</c> draws the plots of
/// a growth.tsv again.
/// </summary>
internal static class GrowthBench
{
    public static async Task<int> PlotAsync(string tsv, string output, int batchSize)
    {
        var rows = File.ReadAllLines(tsv).Skip(1).Where(l => l.Length > 0).Select(GrowthRow.Parse).ToList();
        await WritePlotsAsync(rows, output, batchSize);
        return 0;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var directory = Path.GetFullPath(Text(args, "--db") ?? throw new ArgumentException("--db DIR is required"));
        var output = Path.GetFullPath(Text(args, "--out") ?? throw new ArgumentException("--out DIR is required"));
        var total = Number(args, "--votes", 20_000_000);
        var step = Number(args, "--step", 1_000_000);
        var batchSize = (int)Number(args, "--batch", 1000);
        var maxSeconds = Number(args, "--max-seconds", 0);
        var crashEnd = args.Contains("--crash-end");
        var snapshotMinVotes = Number(args, "--snapshot-min-votes", new SqliteOptions().IndexSnapshotMinVotes);
        var referenceVotes = Number(args, "--reference-votes", 1_000_000);
        Directory.CreateDirectory(output);
        var path = Path.Combine(directory, SqliteOptions.FileName);
        var rows = new List<GrowthRow>();
        var process = Process.GetCurrentProcess();

        // The store's own log (its snapshots written while running: votes, seq, bytes, seconds) on the console.
        using var logging = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.TimestampFormat = "HH:mm:ss ").SetMinimumLevel(LogLevel.Information));
        await using (var store = new SqliteVoteStore(Options.Create(new SqliteOptions { Path = path, IndexSnapshotMinVotes = snapshotMinVotes }),
            logging.CreateLogger<SqliteVoteStore>()))
        {
            var random = await RandomVotes.OpenPollAsync(store, "p-growth", batchSize);
            var clock = Stopwatch.StartNew();
            var (lapTime, lapCpu) = (clock.Elapsed, process.TotalProcessorTime);
            long refused = 0;

            // Each commit's time, per step: its p99 and max (does a snapshot copied between batches stall the writer?).
            var commitMs = new List<double>();
            var latency = new StringBuilder("stored\tcommit_p50_ms\tcommit_p99_ms\tcommit_max_ms\n");
            for (long done = 0; done < total && (maxSeconds == 0 || clock.Elapsed.TotalSeconds < maxSeconds || done % step != 0);)
            {
                random.Fill(batchSize);
                var committing = Stopwatch.GetTimestamp();
                await store.CommitAsync(random.Batch, random.Chain);
                commitMs.Add(Stopwatch.GetElapsedTime(committing).TotalMilliseconds);
                foreach (var result in random.Batch.Results)
                {
                    refused += result.Outcome == VoteOutcome.Accepted ? 0 : 1;
                }

                random.Batch.Clear();
                done += batchSize;
                if (done % step == 0 || done >= total)
                {
                    process.Refresh();
                    var (time, cpu) = (clock.Elapsed, process.TotalProcessorTime);
                    var votes = done % step == 0 ? step : done % step;
                    var (indexed, indexBytes) = store.IndexSize;
                    var fileBytes = new DirectoryInfo(directory).GetFiles(SqliteOptions.FileName + "*")
                        .Where(f => !f.Name.EndsWith(".lock", StringComparison.Ordinal)).Sum(f => f.Length);
                    var (referenceRate, referenceCpu) = referenceVotes > 0
                        ? await ReferenceAsync(Path.Combine(directory, "reference"), referenceVotes, batchSize, process)
                        : (0, 0);
                    var row = new GrowthRow(done, votes / (time - lapTime).TotalSeconds, (cpu - lapCpu).TotalMicroseconds / votes,
                        indexBytes / (double)indexed, process.WorkingSet64 / (double)done, GC.GetTotalMemory(false) / (double)done,
                        fileBytes / (double)done, referenceRate, referenceCpu);
                    rows.Add(row);
                    commitMs.Sort();
                    var (p50, p99, max) = (commitMs[commitMs.Count / 2], commitMs[(int)(commitMs.Count * 0.99)], commitMs[^1]);
                    commitMs.Clear();
                    latency.Append(CultureInfo.InvariantCulture, $"{done}\t{p50:F2}\t{p99:F2}\t{max:F2}\n");
                    await File.WriteAllTextAsync(Path.Combine(output, "commit-latency.tsv"), latency.ToString());
                    Console.WriteLine(row.Describe() + string.Create(CultureInfo.InvariantCulture, $", commit p50 {p50:F1} p99 {p99:F1} max {max:F1} ms"));
                    await File.WriteAllTextAsync(Path.Combine(output, "growth.tsv"), GrowthRow.Tsv(rows));
                    (lapTime, lapCpu) = (clock.Elapsed, process.TotalProcessorTime);
                }
            }

            if (refused != 0)
            {
                // Random 128-bit keys never repeat in practice: a refused vote means the index answered wrongly.
                Console.Error.WriteLine($"{refused} random votes were not accepted");
                return 1;
            }

            if (crashEnd)
            {
                await WritePlotsAsync(rows, output, batchSize);
                await File.WriteAllTextAsync(Path.Combine(output, "reopen.txt"), string.Create(CultureInfo.InvariantCulture, $"{rows[^1].Stored}\t-1\n"));
                await File.WriteAllTextAsync(Path.Combine(output, "crash-end.txt"), "the writes ended like a crash: no clean stop\n");
                Console.WriteLine("CRASH-END: exiting without closing the store");
                Console.Out.Flush();
                Environment.Exit(0);
            }
        }

        // The restart, in process: open = the index rebuilt from the file (the page cache is warm from the writes). The
        // close above wrote the index snapshot: deleted, so this stays the rebuild's figure (growth.sh times the
        // server's start from the snapshot). Only the open is timed, not the close (which writes the snapshot again).
        File.Delete(path + ".voteindex");
        var reopen = Stopwatch.StartNew();
        long reopened;
        double reopenSeconds;
        await using (var store = new SqliteVoteStore(Options.Create(new SqliteOptions { Path = path })))
        {
            reopened = (await store.OpenAsync(CancellationToken.None)).VoteCount;
            reopenSeconds = reopen.Elapsed.TotalSeconds;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"REOPEN votes={reopened} seconds={reopenSeconds:F2}"));
        await WritePlotsAsync(rows, output, batchSize);
        await File.WriteAllTextAsync(Path.Combine(output, "reopen.txt"), string.Create(CultureInfo.InvariantCulture, $"{reopened}\t{reopenSeconds:F2}\n"));
        return reopened == rows[^1].Stored ? 0 : 1;
    }

    /// <summary>
    /// The first votes of a show, measured beside each step: <paramref name="votes"/> votes into a fresh store (its own
    /// folder, deleted after), the same batches, in this process right after the step. This VM's speed drifts by 30 %
    /// and more over minutes (a fresh store gave 6.3 CPU us/vote at one moment and 9.9 twenty minutes later), so a
    /// 20M-vote step compared with a first million written minutes earlier says more about the machine than about
    /// stored votes; the step against the reference taken seconds later does not. The big store gets no batch meanwhile,
    /// so a snapshot it is writing copies nothing; a one-second pause first lets its background thread finish writing
    /// what was copied (at most 64 MiB), which would otherwise count as the reference's CPU.
    /// </summary>
    private static async Task<(double VotesPerSecond, double CpuMicrosPerVote)> ReferenceAsync(string folder, long votes, int batchSize,
        Process process)
    {
        await Task.Delay(TimeSpan.FromSeconds(1));
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        Directory.CreateDirectory(folder);
        try
        {
            await using var store = new SqliteVoteStore(Options.Create(new SqliteOptions { Path = Path.Combine(folder, SqliteOptions.FileName) }));
            var random = await RandomVotes.OpenPollAsync(store, "p-reference", batchSize);
            process.Refresh();
            var (started, cpu) = (Stopwatch.GetTimestamp(), process.TotalProcessorTime);
            for (long done = 0; done < votes; done += batchSize)
            {
                random.Fill(batchSize);
                await store.CommitAsync(random.Batch, random.Chain);
                random.Batch.Clear();
            }

            process.Refresh();
            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            return (votes / seconds, (process.TotalProcessorTime - cpu).TotalMicroseconds / votes);
        }
        finally
        {
            // The store's dispose (above, first) closed its connections and cleared its read pool: no handle keeps the file.
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task WritePlotsAsync(List<GrowthRow> rows, string output, int batchSize)
    {
        await File.WriteAllTextAsync(Path.Combine(output, "growth-throughput.svg"), GrowthChart.Render(
            "SQLite store: throughput as stored votes grow (synchronous=FULL, batch " + batchSize + ")",
            [new GrowthChart.Panel("votes / s", Series(rows, "votes/s", "#1f77b4", r => r.VotesPerSecond, r => r.ReferenceVotesPerSecond)),
             new GrowthChart.Panel("CPU us / vote", Series(rows, "process CPU per vote", "#d62728", r => r.CpuMicrosPerVote, r => r.ReferenceCpuMicrosPerVote))]));
        await File.WriteAllTextAsync(Path.Combine(output, "growth-memory.svg"), GrowthChart.Render(
            "SQLite store: memory per stored vote as stored votes grow",
            [new GrowthChart.Panel("bytes / stored vote", [
                ("dedup index", "#2ca02c", rows.Select(r => (r.Stored, r.IndexBytesPerVote)).ToList()),
                ("managed heap", "#9467bd", rows.Select(r => (r.Stored, r.HeapBytesPerVote)).ToList()),
                ("process resident", "#ff7f0e", rows.Select(r => (r.Stored, r.ResidentBytesPerVote)).ToList()),
                ("target 40", "#999999", rows.Select(r => (r.Stored, 40.0)).ToList())])]));
    }

    // The grown store's series, and the fresh reference's beside it (grey) when the rows have one.
    private static List<(string, string, List<(long, double)>)> Series(List<GrowthRow> rows, string name, string colour,
        Func<GrowthRow, double> grown, Func<GrowthRow, double> reference)
    {
        var series = new List<(string, string, List<(long, double)>)> { (name, colour, rows.Select(r => (r.Stored, grown(r))).ToList()) };
        if (rows.All(r => reference(r) > 0))
        {
            series.Add(("fresh store", "#7f7f7f", rows.Select(r => (r.Stored, reference(r))).ToList()));
        }

        return series;
    }

    private static string? Text(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static long Number(string[] args, string name, long fallback) =>
        Text(args, name) is { } text ? long.Parse(text, CultureInfo.InvariantCulture) : fallback;

    /// <summary>One step; the reference figures are 0 when none was measured (older growth.tsv files have no such columns).</summary>
    private sealed record GrowthRow(long Stored, double VotesPerSecond, double CpuMicrosPerVote, double IndexBytesPerVote,
        double ResidentBytesPerVote, double HeapBytesPerVote, double FileBytesPerVote, double ReferenceVotesPerSecond,
        double ReferenceCpuMicrosPerVote)
    {
        private const string Header = "stored\tvotes_per_s\tcpu_us_per_vote\tindex_bytes_per_vote\tresident_bytes_per_vote\theap_bytes_per_vote\tfile_bytes_per_vote" +
            "\treference_votes_per_s\treference_cpu_us_per_vote";

        public string Describe() => string.Create(CultureInfo.InvariantCulture,
            $"{Stored,12:N0} stored: {VotesPerSecond,8:N0} votes/s, {CpuMicrosPerVote,6:F1} CPU us/vote, index {IndexBytesPerVote,5:F1} B/vote, " +
            $"resident {ResidentBytesPerVote,6:F1} B/vote, heap {HeapBytesPerVote,6:F1} B/vote, file {FileBytesPerVote,5:F0} B/vote") +
            (ReferenceCpuMicrosPerVote > 0
                ? string.Create(CultureInfo.InvariantCulture, $"; fresh store {ReferenceVotesPerSecond,8:N0} votes/s, {ReferenceCpuMicrosPerVote,5:F1} CPU us/vote")
                : "");

        public static GrowthRow Parse(string line)
        {
            var f = line.Split('\t').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            return new GrowthRow((long)f[0], f[1], f[2], f[3], f[4], f[5], f[6], f.Length > 8 ? f[7] : 0, f.Length > 8 ? f[8] : 0);
        }

        public static string Tsv(IEnumerable<GrowthRow> rows)
        {
            var text = new StringBuilder(Header).Append('\n');
            foreach (var r in rows)
            {
                text.Append(CultureInfo.InvariantCulture, $"{r.Stored}\t{r.VotesPerSecond:F0}\t{r.CpuMicrosPerVote:F2}\t{r.IndexBytesPerVote:F2}\t")
                    .Append(CultureInfo.InvariantCulture, $"{r.ResidentBytesPerVote:F2}\t{r.HeapBytesPerVote:F2}\t{r.FileBytesPerVote:F1}\t")
                    .Append(CultureInfo.InvariantCulture, $"{r.ReferenceVotesPerSecond:F0}\t{r.ReferenceCpuMicrosPerVote:F2}\n");
            }

            return text.ToString();
        }
    }
}
