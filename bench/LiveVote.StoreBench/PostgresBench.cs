using System.Diagnostics;
using System.Globalization;
using LiveVote.Server.Audit;
using LiveVote.Server.Polls;
using LiveVote.Server.Storage;
using LiveVote.Server.Storage.Postgres;
using LiveVote.Server.Votes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

/// <summary>
/// Drives the real PostgreSQL commit path (<see cref="PostgresVoteStore.CommitAsync"/>: poll share-lock, standing-vote
/// read, unnest insert ON CONFLICT DO NOTHING, audit chain rows, per-writer tallies, one transaction per batch) with
/// random 128-bit voter keys, from one or more writers at once: each writer is its own store instance with its own
/// connection and chain, as each API node's batch writer is. Prints the rate per window, per million and overall.
/// Usage: --postgres CONNSTR [--writers 1] [--votes 2000000] [--batch 1000] [--report 250000] [--max-seconds 0]
/// (--max-seconds: stop early after that long, whichever comes first; 0 = no limit).
/// </summary>
internal static class PostgresBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine("usage: --postgres CONNSTR [--writers N] [--votes N] [--batch N] [--report N] [--max-seconds N]");
            return 2;
        }

        var connectionString = args[0];
        var writers = Option(args, "--writers", 1);
        var batchSize = Option(args, "--batch", 1000);
        var total = Option(args, "--votes", 2_000_000) / (writers * batchSize) * (writers * batchSize);
        var report = Option(args, "--report", 250_000);
        var maxSeconds = Option(args, "--max-seconds", 0);

        // One data source per writer, as each node of a fleet has its own.
        var stores = new PostgresVoteStore[writers];
        for (var w = 0; w < writers; w++)
        {
            stores[w] = new PostgresVoteStore(PostgresDataSource.Create(connectionString), TimeProvider.System, NullLogger<PostgresVoteStore>.Instance);
            await stores[w].OpenAsync(CancellationToken.None);
        }

        try
        {
            var poll = await CreateOpenPollAsync(stores[0], batchSize);
            var progress = new Progress(report, maxSeconds > 0 ? TimeSpan.FromSeconds(maxSeconds) : TimeSpan.MaxValue);
            var refused = new long[writers];
            var perWriter = total / writers;
            await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
                refused[w] = await WriteAsync(stores[w], poll, perWriter, batchSize, seed: w + 1, progress))));
            var elapsed = progress.Elapsed;
            var committed = progress.Done;

            var rows = await CountVotesAsync(connectionString, poll.Id);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"RESULT writers={writers} batch={batchSize} votes={committed} seconds={elapsed.TotalSeconds:F1} " +
                $"overall={committed / elapsed.TotalSeconds:F0} first={progress.FirstWindowRate:F0} last={progress.LastWindowRate:F0} " +
                $"per_million={string.Join(',', progress.PerMillion.Select(r => r.ToString("F0", CultureInfo.InvariantCulture)))} " +
                $"rows={rows} not_accepted={refused.Sum()} client_cpu={Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds:F1}"));

            // Random 128-bit keys never collide in practice: every vote must be a stored row, or the run measured nothing.
            return rows == committed && refused.Sum() == 0 ? 0 : 1;
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }
    }

    private static async Task<Poll> CreateOpenPollAsync(PostgresVoteStore store, int batchSize)
    {
        var now = DateTimeOffset.UtcNow;
        var draft = PollRules.Create("p-bench", "Bench", [("a", "A"), ("b", "B"), ("c", "C")], now);
        var open = draft.MoveTo(PollStatus.Open, now);
        var chain = new AuditChain(0, Sha256Hash.Zero);
        var batch = new WriteBatch(batchSize) { AtUnixMs = now.ToUnixTimeMilliseconds() };
        batch.AddPollChange(draft, AuditKinds.PollCreated);
        batch.AddPollChange(open, AuditKinds.PollOpened);
        await store.CommitAsync(batch, chain);
        return open;
    }

    /// <summary>Commits <paramref name="votes"/> random votes in full batches; returns how many were not accepted.</summary>
    private static async Task<long> WriteAsync(PostgresVoteStore store, Poll poll, int votes, int batchSize, int seed, Progress progress)
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
                random.NextBytes(key);
                batch.AddVote(new BatchVote(poll, i % 3, VoterKey.Read(key)));
            }

            batch.AtUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            await store.CommitAsync(batch, chain);
            foreach (var result in batch.Results)
            {
                notAccepted += result.Outcome == VoteOutcome.Accepted ? 0 : 1;
            }

            batch.Clear();
            progress.Add(batchSize);
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

    private static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    /// <summary>Committed votes over all writers, with the rate of each window and of each million.</summary>
    private sealed class Progress(int window, TimeSpan limit)
    {
        private const int Million = 1_000_000;
        private readonly Lock _lock = new();
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly List<double> _perMillion = [];
        private long _done;
        private long _nextWindow = window;
        private TimeSpan _windowStart;
        private long _nextMillion = Million;
        private TimeSpan _millionStart;

        public TimeSpan Elapsed => _clock.Elapsed;

        public bool TimeIsUp => _clock.Elapsed > limit;

        public long Done
        {
            get
            {
                lock (_lock)
                {
                    return _done;
                }
            }
        }

        public double FirstWindowRate { get; private set; }

        public double LastWindowRate { get; private set; }

        public IReadOnlyList<double> PerMillion => _perMillion;

        public void Add(int votes)
        {
            lock (_lock)
            {
                _done += votes;
                var now = _clock.Elapsed;
                if (_done >= _nextWindow)
                {
                    var rate = (_done - _nextWindow + window) / (now - _windowStart).TotalSeconds;
                    FirstWindowRate = FirstWindowRate == 0 ? rate : FirstWindowRate;
                    LastWindowRate = rate;
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{_done,12:N0} votes: {rate,9:N0} votes/s"));
                    _windowStart = now;
                    _nextWindow = _done + window;
                }

                if (_done >= _nextMillion)
                {
                    _perMillion.Add((_done - _nextMillion + Million) / (now - _millionStart).TotalSeconds);
                    _millionStart = now;
                    _nextMillion = _done + Million;
                }
            }
        }
    }
}
