using System.Collections.Concurrent;
using LiveVote.Contracts;
using LiveVote.Server.Audit;
using LiveVote.Server.Audit.Merkle;
using LiveVote.Server.Audit.Signing;
using LiveVote.Server.Polls;
using LiveVote.Server.Storage;
using LiveVote.Server.Telemetry;

namespace LiveVote.Server.Results.Final;

/// <summary>
/// The signed final result of each closed poll. Signing: once the close is in every partition the poll is spread over,
/// the <see cref="ReconciliationGate"/> runs on every partition's figures (<see cref="IFinalResultSql"/>); if it passes,
/// each log's root at its size is computed from the database (<see cref="MerkleTreeReader"/> over the partition's
/// <see cref="IMerkleNodeSource"/>), the <see cref="ResultStatement"/> is signed with the audit key
/// (<see cref="AuditSigner"/>) and stored in <c>poll_results</c>: partition 0 first (insert if absent, so the first
/// signer in a fleet wins), then that same text in every other partition. The public results turn
/// <c>final</c> (<see cref="ResultsHub.MarkFinal"/>).
/// <para>
/// A refused gate leaves the result not final, says why (the producer console, <c>GET .../result</c>), logs it and
/// counts it (<c>livevote.results.final{outcome=refused}</c>); it is tried again only when the producer asks
/// (<c>POST /v1/polls/{pollId}/result</c>), after the fix. A store that cannot be read, or a partition that has not
/// closed yet, leaves it pending, and <see cref="FinalResultSweeper"/> tries again.
/// </para>
/// </summary>
internal sealed partial class FinalResults(
    PollRegistry polls,
    FinalResultSources sources,
    StoreClusters stores,
    AuditSigner signer,
    ResultsHub hub,
    TimeProvider time,
    ILogger<FinalResults> logger) : IDisposable
{
    private readonly ConcurrentDictionary<string, FinalResultState> _states = new(StringComparer.Ordinal);

    // One signing at a time on this node: polls close a few times per show, and one at a time keeps two signings of the
    // same poll (the close's and the sweeper's) from racing.
    private readonly SemaphoreSlim _signing = new(1, 1);

    /// <summary>What this node knows of the poll's result; pending when it has not tried yet.</summary>
    public FinalResultState StateOf(string pollId) => _states.GetValueOrDefault(pollId) ?? FinalResultState.NotTried;

    /// <summary>The admin view of a poll: its result status, and why when it is not signed.</summary>
    public PollDto Describe(PollDto poll)
    {
        var state = StateOf(poll.Id);
        return poll with { ResultStatus = state.StatusName, ResultProblem = state.Status == FinalResultStatus.Signed ? null : state.Problem };
    }

    /// <summary>
    /// The result as signed, or why there is none: the stored statement if any (another node may have signed it), else
    /// the gate and the signing. <paramref name="retryRefused"/>: run the gate again on a poll it refused (the
    /// producer's press after a fix); otherwise a refusal stands until then.
    /// </summary>
    public async Task<FinalResultState> SignAsync(string pollId, bool retryRefused, CancellationToken cancellationToken)
    {
        await _signing.WaitAsync(cancellationToken);
        try
        {
            var known = StateOf(pollId);
            if (known.Status == FinalResultStatus.Signed)
            {
                return known;
            }

            var state = await TrySignAsync(pollId, known, retryRefused, cancellationToken);
            _states[pollId] = state;
            return state;
        }
        finally
        {
            _signing.Release();
        }
    }

    public void Dispose() => _signing.Dispose();

    private async Task<FinalResultState> TrySignAsync(string pollId, FinalResultState known, bool retryRefused, CancellationToken cancellationToken)
    {
        if (!polls.TryGet(pollId, out var poll) || poll.Status != PollStatus.Closed)
        {
            return FinalResultState.Pending("The poll is not closed: its result is signed at close.");
        }

        var partitions = Math.Min(Math.Max(1, poll.PartitionCount), sources.Count);
        try
        {
            if (await sources[0].ReadResultAsync(pollId, cancellationToken) is { } stored)
            {
                return await AdoptAsync(poll, stored, partitions, cancellationToken);
            }

            if (known.Status == FinalResultStatus.Refused && !retryRefused)
            {
                return known;
            }

            var figures = new PartitionFigures[partitions];
            for (var p = 0; p < partitions; p++)
            {
                figures[p] = await sources[p].ReadFiguresAsync(pollId, cancellationToken);
            }

            var verdict = ReconciliationGate.Check(poll, figures);
            if (verdict.Outcome == GateOutcome.NotYet)
            {
                return FinalResultState.Pending(verdict.Reason!);
            }

            if (verdict.Outcome == GateOutcome.Refused)
            {
                LogRefused(logger, pollId, verdict.Reason!);
                LiveVoteTelemetry.FinalResultDecided(signed: false);
                return FinalResultState.Refused(verdict.Reason!);
            }

            var logs = new List<StatementLog>(verdict.Logs.Count);
            foreach (var (partition, chain, size) in verdict.Logs)
            {
                if (stores[partition] is not IMerkleNodeSource nodes)
                {
                    throw new InvalidOperationException($"The store of partition {partition} does not serve its Merkle logs.");
                }

                var root = await new MerkleTreeReader(nodes).RootAsync(new MerkleLogId(pollId, chain), size, cancellationToken);
                logs.Add(new StatementLog(partition, chain, size, root));
            }

            var closedAt = figures.Max(f => f.ClosedAtUnixMs ?? 0);
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            var note = signer.SignNote(ResultStatement.Body(signer.Origin, poll, closedAt, verdict.Totals, logs, now));
            var standing = await sources[0].StoreResultAsync(pollId, now, note, cancellationToken);
            var state = await AdoptAsync(poll, standing, partitions, cancellationToken);
            LogSigned(logger, pollId, state.Result!.Total, logs.Count);
            LiveVoteTelemetry.FinalResultDecided(signed: true);
            return state;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The store could not be read or written now (failover, a partition unreachable): not a verdict on the
            // result; the sweeper tries again.
            var problem = $"The result could not be signed yet: {e.Message}";
            if (problem != known.Problem)
            {
                // Once per distinct reason, not every sweep.
                LogFailed(logger, pollId, e.Message);
            }

            return FinalResultState.Pending(problem);
        }
    }

    /// <summary>
    /// The statement partition 0 holds is the poll's: the same text goes into every other partition the poll is spread
    /// over (an auditor of one cluster finds it there), and the public results turn final.
    /// </summary>
    private async Task<FinalResultState> AdoptAsync(Poll poll, StoredResult stored, int partitions, CancellationToken cancellationToken)
    {
        for (var p = 1; p < partitions; p++)
        {
            await sources[p].StoreResultAsync(poll.Id, stored.AtUnixMs, stored.Statement, cancellationToken);
        }

        if (!ResultStatement.TryParse(stored.Statement, out var parsed))
        {
            throw new InvalidDataException($"The stored result statement of poll {poll.Id} cannot be read.");
        }

        var result = new SignedResult(
            poll.Id, stored.Statement, parsed.Totals, parsed.Total, DateTimeOffset.FromUnixTimeMilliseconds(parsed.SignedAtUnixMs));
        hub.MarkFinal(poll.Id);
        return FinalResultState.Signed(result);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The final result of poll {PollId} is signed: {Total} votes, {Logs} log(s)")]
    private static partial void LogSigned(ILogger logger, string pollId, long total, int logs);

    [LoggerMessage(Level = LogLevel.Error, Message = "The final result of poll {PollId} is refused, not published as final: {Reason}")]
    private static partial void LogRefused(ILogger logger, string pollId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The final result of poll {PollId} could not be signed yet (tried again shortly): {Reason}")]
    private static partial void LogFailed(ILogger logger, string pollId, string reason);
}

internal enum FinalResultStatus
{
    Pending,
    Signed,
    Refused,
}

/// <summary>A poll's signed statement and its figures (as the statement says them).</summary>
internal sealed record SignedResult(string PollId, string Statement, IReadOnlyList<KeyValuePair<string, long>> Totals, long Total, DateTimeOffset SignedAt);

/// <param name="Problem">Why it is not signed (refused: the gate's reason naming the figures; pending: what it waits for), or null.</param>
internal sealed record FinalResultState(FinalResultStatus Status, string? Problem, SignedResult? Result)
{
    public static readonly FinalResultState NotTried = new(FinalResultStatus.Pending, null, null);

    public static FinalResultState Pending(string problem) => new(FinalResultStatus.Pending, problem, null);

    public static FinalResultState Refused(string problem) => new(FinalResultStatus.Refused, problem, null);

    public static FinalResultState Signed(SignedResult result) => new(FinalResultStatus.Signed, null, result);

    /// <summary>The wire name in the admin poll view (<c>resultStatus</c>).</summary>
    public string StatusName => Status switch
    {
        FinalResultStatus.Signed => "signed",
        FinalResultStatus.Refused => "refused",
        _ => "pending",
    };
}
