using System.Diagnostics;
using System.Diagnostics.Metrics;
using LiveVote.Server.Ingest;
using LiveVote.Server.Security.Captcha;
using LiveVote.Server.Votes;

namespace LiveVote.Server.Telemetry;

/// <summary>
/// The server's telemetry, in one place: its ActivitySource and every instrument of its meter (both named
/// <c>LiveVote.Server</c>), with OpenTelemetry-style names and units.
/// <para>
/// The rule: every instrument named under <c>LiveVote.Server</c> is declared in this class and nowhere else; a feature
/// never creates an instrument, it calls one of the methods here (<c>LiveVoteTelemetry.VoteDecided(...)</c>). What
/// features record (counters, histograms, and the gauge fed by the writer) lives in static
/// fields of one process-wide <see cref="Meter"/>, so the hot path pays one call, no lookup and no allocation. What is
/// read from a server's own components (queue, polls, results, SSE, store state) is a gauge of <see cref="ServerGauges"/>, created
/// on the Meter of that host's <see cref="IMeterFactory"/>: several servers in one process (the tests run many) each
/// export their own values instead of a sum.
/// </para>
/// </summary>
internal static partial class LiveVoteTelemetry
{
    public const string Name = "LiveVote.Server";

    public static readonly ActivitySource Source = new(Name);

    /// <summary>The process-wide meter of what features record; each server's gauges are on <see cref="ServerGauges.Meter"/>.</summary>
    internal static readonly Meter Meter = new(Name);

    private static readonly Counter<long> Votes = Meter.CreateCounter<long>(
        "livevote.votes", "{vote}", "Votes answered, by outcome.");

    private static readonly Histogram<int> BatchSize = Meter.CreateHistogram<int>(
        "livevote.batch.size", "{vote}", "Votes per group commit, by store partition.",
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000] });

    private static readonly Histogram<double> CommitDuration = Meter.CreateHistogram<double>(
        "livevote.batch.commit.duration", "s", "Time to commit one batch durably, by store partition.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });

    private static readonly Counter<long> StoreErrors = Meter.CreateCounter<long>(
        "livevote.store.errors", "{error}", "Failed store commits, by store partition.");

    private static readonly string?[] PartitionNames = new string?[VoterPartitioner.MaxPartitions];

    private static readonly Counter<long> RiskDecisions = Meter.CreateCounter<long>(
        "livevote.risk.decisions", "{decision}",
        "Votes the risk score challenged (captcha-required), refused (suspected-bot) or let through after a CAPTCHA (captcha-passed, captcha-failed), by action and main signal.");

    private static readonly Counter<long> ConnectionRejections = Meter.CreateCounter<long>(
        "livevote.connections.rejected", "{connection}", "Connections closed on accept because a connection limit was full, by limit (node, network, management).");

    private static readonly KeyValuePair<string, object?>[][] ConnectionRefusalTags =
        [.. Enum.GetValues<Hosting.ConnectionRefusal>().Select(r => new[] { new KeyValuePair<string, object?>("limit", r.ToString().ToLowerInvariant()) })];

    private static readonly Counter<long> AdminLockoutNotesSuppressed = Meter.CreateCounter<long>(
        "livevote.admin.lockout.notes.suppressed", "{note}",
        "Admin lockouts not written to the audit trail because the hourly cap of admin-lockout entries was reached (the lockout itself still holds).");

    private static readonly Counter<long> AdminLogLinesSuppressed = Meter.CreateCounter<long>(
        "livevote.admin.log.suppressed", "{line}",
        "Admin action log lines of requests with a wrong admin key not written because the per-minute cap was reached.");

    private static readonly Counter<long> RateLimitRejections = Meter.CreateCounter<long>(
        "livevote.ratelimit.rejections", "{request}", "Requests refused with 429 by a rate limit, by limit.");

    private static readonly Counter<long> AdminKeyFailures = Meter.CreateCounter<long>(
        "livevote.admin.key.failures", "{request}", "Requests that presented a wrong admin key.");

    private static readonly Counter<long> AdminLockouts = Meter.CreateCounter<long>(
        "livevote.admin.lockouts", "{lockout}", "Client networks locked out of admin-key requests after repeated wrong keys.");

    private static readonly Counter<long> AdminLockedOutRequests = Meter.CreateCounter<long>(
        "livevote.admin.lockout.rejections", "{request}", "Admin-key requests refused because their network is locked out.");

    private static readonly Counter<long> AuditNotes = Meter.CreateCounter<long>(
        "livevote.audit.notes", "{note}", "Audit notes (risk decisions, admin lockouts) handed to the writer, by kind.");

    private static readonly Counter<long> AuditNotesLost = Meter.CreateCounter<long>(
        "livevote.audit.notes.dropped", "{note}", "Audit notes lost: the writer queue stayed full, the server was stopping, or their batch failed.");

    private static readonly Counter<long> FinalResults = Meter.CreateCounter<long>(
        "livevote.results.final", "{result}", "Closed polls' results through the reconciliation gate, by outcome: signed (final) or refused (not final, the console says why).");

    private static readonly Counter<long> Registrations = Meter.CreateCounter<long>(
        "livevote.registrations", "{registration}", "Viewers registered (tokens issued), by kind: public (after a CAPTCHA) or backend (admin key).");

    private static readonly Counter<long> CaptchaVerifications = Meter.CreateCounter<long>(
        "livevote.captcha.verifications", "{verification}", "CAPTCHA solutions checked at registration, by provider and outcome.");

    private static readonly Histogram<double> VoteDuration = Meter.CreateHistogram<double>(
        "livevote.vote.duration", "s", "End-to-end time of a vote request that reached the writer, from the handler's start to its durable answer, by outcome.",
        // 7.5, 15 and 20 ms as well: the write target (p99 < 20 ms at 70 % of the maximum) is read off these buckets by
        // bench/run.sh, beside the load generator's client-side figure.
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5] });

    // This gauge reads what the writer hands over through a static call, so it is process-wide like the counters (one
    // server per process in production; in a test process the newest commit of any server). The gauges of a server's
    // own components and of its store state are in ServerGauges.
    private static readonly ObservableGauge<double> LastCommitAge = Meter.CreateObservableGauge(
        "livevote.batch.last_commit.age", ReadLastCommitAges, "s",
        "Time since each store partition's writer last committed a batch (since start before the first), by partition.");

    // Per partition, when its writer last committed; partitions 0 .. s_partitions - 1 are reported. One cluster stuck
    // while the others commit must show: a node-wide age would be reset by any of them.
    private static readonly long[] LastCommits = CreateLastCommits();
    private static int s_partitions = 1;

    /// <summary>Links kept on one batch span: enough to follow the sampled requests, bounded whatever the batch size.</summary>
    public const int MaxBatchLinks = 128;

    private static readonly KeyValuePair<string, object?>[][] OutcomeTags =
        [.. Enum.GetValues<VoteOutcome>().Select(o => new[] { new KeyValuePair<string, object?>("outcome", OutcomeName(o)) })];

    private static readonly KeyValuePair<string, object?>[][][] CaptchaTags =
    [
        .. Enum.GetValues<CaptchaProvider>().Select(provider => Enum.GetValues<CaptchaOutcome>().Select(outcome => new KeyValuePair<string, object?>[]
        {
            new("provider", provider.ToString().ToLowerInvariant()),
            new("outcome", CaptchaOutcomeName(outcome)),
        }).ToArray()),
    ];

    /// <summary>
    /// Creates the static instruments now if nothing has touched them yet: the gauges must exist from start, not from
    /// the first vote (static field initialisers run only when a field is first read).
    /// </summary>
    public static void EnsureInstruments() => System.Runtime.CompilerServices.RuntimeHelpers.RunClassConstructor(typeof(LiveVoteTelemetry).TypeHandle);

    public static void VoteDecided(VoteOutcome outcome) => Votes.Add(1, OutcomeTags[(int)outcome]);

    public static void VoteRefused(string reason) => Votes.Add(1, new KeyValuePair<string, object?>("outcome", reason));

    /// <summary>A batch of partition 0 committed: the one store of a node that has one.</summary>
    public static void BatchCommitted(int votes, TimeSpan duration) => BatchCommitted(votes, duration, partition: 0);

    /// <summary>A batch committed to store partition <paramref name="partition"/> (its writer calls this).</summary>
    public static void BatchCommitted(int votes, TimeSpan duration, int partition)
    {
        Volatile.Write(ref LastCommits[partition], Stopwatch.GetTimestamp());
        var tag = PartitionTag(partition);
        BatchSize.Record(votes, tag);
        CommitDuration.Record(duration.TotalSeconds, tag);
    }

    /// <summary>
    /// The node writes to <paramref name="partitions"/> store partitions: each is reported by the last-commit gauge from
    /// now on, its age counted from now until its first commit (a partition stuck from the start must show too).
    /// </summary>
    public static void PartitionsStarted(int partitions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(partitions, VoterPartitioner.MaxPartitions);
        var now = Stopwatch.GetTimestamp();
        for (var p = Volatile.Read(ref s_partitions); p < partitions; p++)
        {
            Volatile.Write(ref LastCommits[p], now);
        }

        if (partitions > Volatile.Read(ref s_partitions))
        {
            Volatile.Write(ref s_partitions, partitions);
        }
    }

    /// <summary>A commit of partition 0 failed.</summary>
    public static void StoreError() => StoreError(partition: 0);

    /// <summary>A commit to store partition <paramref name="partition"/> failed.</summary>
    public static void StoreError(int partition) => StoreErrors.Add(1, PartitionTag(partition));

    /// <summary>
    /// The <c>partition</c> tag of store partition <paramref name="partition"/> ("0", "1", ...): each index's string
    /// is made once, so tagging a commit or a gauge reading allocates nothing. The values are a fixed set: at most
    /// <see cref="VoterPartitioner.MaxPartitions"/>.
    /// </summary>
    private static long[] CreateLastCommits()
    {
        var commits = new long[VoterPartitioner.MaxPartitions];
        Array.Fill(commits, Stopwatch.GetTimestamp());
        return commits;
    }

    private static IEnumerable<Measurement<double>> ReadLastCommitAges()
    {
        var partitions = Volatile.Read(ref s_partitions);
        var ages = new Measurement<double>[partitions];
        for (var p = 0; p < partitions; p++)
        {
            ages[p] = new Measurement<double>(Stopwatch.GetElapsedTime(Volatile.Read(ref LastCommits[p])).TotalSeconds, PartitionTag(p));
        }

        return ages;
    }

    internal static KeyValuePair<string, object?> PartitionTag(int partition)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(partition, VoterPartitioner.MaxPartitions);

        // Two threads making the same index's string at once both store an equal one: no lock needed.
        var name = PartitionNames[partition] ??= partition.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new KeyValuePair<string, object?>("partition", name);
    }

    /// <param name="kind">public or backend.</param>
    public static void ViewerRegistered(string kind) => Registrations.Add(1, new KeyValuePair<string, object?>("kind", kind));

    /// <summary>The end-to-end latency of a vote the writer answered (the "write latency" the alerts watch).</summary>
    public static void VoteAnswered(VoteOutcome outcome, TimeSpan elapsed) => VoteDuration.Record(elapsed.TotalSeconds, OutcomeTags[(int)outcome]);

    /// <summary>
    /// A vote's enqueue span, child of the request span. Null (no allocation) unless the request is sampled; its
    /// context is what the batch span links to.
    /// </summary>
    public static Activity? StartVoteEnqueue() => Source.HasListeners() ? Source.StartActivity("livevote.vote.enqueue") : null;

    /// <summary>The span around a vote's checks (token, poll, option, risk); null unless the request is sampled.</summary>
    public static Activity? StartVoteValidation() => Source.HasListeners() ? Source.StartActivity("livevote.vote.validate") : null;

    /// <summary>
    /// One span per batch commit, a root linked to the enqueue spans of the sampled votes it answers (at most
    /// <see cref="MaxBatchLinks"/>). <paramref name="links"/> is the writer's reused list, so an unsampled batch costs no allocation.
    /// </summary>
    internal static Activity? StartBatchCommit(ReadOnlySpan<VoteCompletion?> waiters, List<ActivityLink> links)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        links.Clear();
        foreach (var waiter in waiters)
        {
            if (waiter?.Trace is { } trace && trace != default)
            {
                links.Add(new ActivityLink(trace));
                if (links.Count == MaxBatchLinks)
                {
                    break;
                }
            }
        }

        var activity = Source.StartActivity("livevote.batch.commit", ActivityKind.Internal, parentContext: default, links: links);
        activity?.SetTag("livevote.batch.size", waiters.Length);
        links.Clear();
        return activity;
    }

    /// <param name="action">captcha-required, suspected-bot, captcha-passed or captcha-failed.</param>
    /// <param name="reason">The signal that weighed most: one of the fixed risk signal names.</param>
    public static void RiskDecided(string action, string reason) =>
        RiskDecisions.Add(1, new KeyValuePair<string, object?>("action", action), new KeyValuePair<string, object?>("reason", reason));

    /// <param name="limit">One of the fixed limit names (vote-per-ip, concurrency, ...).</param>
    /// <summary>A connection closed as soon as it was accepted: a flood from one network, or a node at its limit.</summary>
    public static void ConnectionRefused(Hosting.ConnectionRefusal refusal) => ConnectionRejections.Add(1, ConnectionRefusalTags[(int)refusal]);

    /// <summary>An admin lockout left out of the audit trail by its hourly cap (the lockout itself holds).</summary>
    public static void AdminLockoutNoteSuppressed() => AdminLockoutNotesSuppressed.Add(1);

    /// <summary>A wrong-admin-key log line left out by its per-minute cap.</summary>
    public static void AdminLogLineSuppressed() => AdminLogLinesSuppressed.Add(1);

    public static void RateLimited(string limit) => RateLimitRejections.Add(1, new KeyValuePair<string, object?>("limit", limit));

    public static void AdminKeyFailed() => AdminKeyFailures.Add(1);

    public static void AdminLockedOut() => AdminLockouts.Add(1);

    public static void AdminLockoutRefused() => AdminLockedOutRequests.Add(1);

    /// <summary>One CAPTCHA solution checked: a wave of replays or wrong numbers (a bot at work) shows next to the votes.</summary>
    public static void CaptchaVerified(CaptchaProvider provider, CaptchaOutcome outcome) =>
        CaptchaVerifications.Add(1, CaptchaTags[(int)provider][(int)outcome]);

    public static void AuditNoteQueued(string kind) => AuditNotes.Add(1, new KeyValuePair<string, object?>("kind", kind));

    public static void AuditNotesDropped(int count)
    {
        if (count > 0)
        {
            AuditNotesLost.Add(count);
        }
    }

    /// <summary>A closed poll's result signed, or refused by the reconciliation gate (an alert: the database disagrees with itself).</summary>
    public static void FinalResultDecided(bool signed) =>
        FinalResults.Add(1, new KeyValuePair<string, object?>("outcome", signed ? "signed" : "refused"));

    public static string OutcomeName(VoteOutcome outcome) => outcome switch
    {
        VoteOutcome.Accepted => "accepted",
        VoteOutcome.Duplicate => "duplicate",
        VoteOutcome.AlreadyVoted => "already-voted",
        VoteOutcome.PollNotOpen => "poll-not-open",
        VoteOutcome.Withheld => "withheld",
        VoteOutcome.StoreFailed => "store-failed",
        _ => "unknown",
    };

    public static string CaptchaOutcomeName(CaptchaOutcome outcome) => outcome switch
    {
        CaptchaOutcome.Passed => "passed",
        CaptchaOutcome.Missing => "missing",
        CaptchaOutcome.Malformed => "malformed",
        CaptchaOutcome.WrongNumber => "wrong-number",
        CaptchaOutcome.BadSignature => "bad-signature",
        CaptchaOutcome.Expired => "expired",
        CaptchaOutcome.Replayed => "replayed",
        CaptchaOutcome.SplicedSalt => "spliced-salt",
        CaptchaOutcome.Rejected => "rejected",
        _ => "unavailable",
    };
}
