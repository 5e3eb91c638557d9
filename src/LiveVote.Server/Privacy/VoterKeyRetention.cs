using LiveVote.Server.Polls;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Privacy;

/// <summary>
/// Crypto-shredding: destroys the voter-key secret of every poll closed longer than
/// <see cref="VoterKeyRetentionOptions.AuditPeriod"/> ago, through the writers like any poll change (every partition,
/// audited as <c>voter-keys-destroyed</c>). After it nobody, the operator included, can derive a viewer's key in that poll,
/// so its votes can no longer be linked to viewers, while the trail, the logs, the signed heads and the result (which
/// hold only the keys, never the secret) verify as before. Every node runs it; the change is idempotent, so the first
/// node to get there destroys it and the others find it destroyed. Polls from before per-poll secrets have none to
/// destroy (their keys come from the fleet-wide secret) and are skipped.
/// </summary>
internal sealed partial class VoterKeyRetention(
    PollRegistry polls, PollAdmin admin, IOptions<VoterKeyRetentionOptions> options, TimeProvider time, ILogger<VoterKeyRetention> logger)
    : BackgroundService
{
    /// <summary>
    /// A tenth of the audit period, between 1 second and 1 hour: with the default 90 days a secret goes at most an hour
    /// after its period ends, and a short period (tests, a show's own policy) is kept to within a tenth of itself.
    /// </summary>
    internal static TimeSpan ScanInterval(TimeSpan auditPeriod) =>
        TimeSpan.FromTicks(Math.Clamp(auditPeriod.Ticks / 10, TimeSpan.TicksPerSecond, TimeSpan.TicksPerHour));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var period = options.Value.AuditPeriod;
        using var timer = new PeriodicTimer(ScanInterval(period), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await DestroyDueAsync(period, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the next start picks up what is due.
        }
    }

    /// <summary>Destroys the secret of every poll due now; a poll that fails is tried again at the next scan.</summary>
    internal async Task DestroyDueAsync(TimeSpan auditPeriod, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        foreach (var poll in polls.All())
        {
            if (poll is not { Status: PollStatus.Closed, VoterSecret: not null, ClosedAt: { } closed } || now - closed < auditPeriod)
            {
                continue;
            }

            var result = await admin.ChangeAsync(poll.Id, PollCommandKind.DestroyVoterKeys, cancellationToken).ConfigureAwait(false);
            if (result.Status == PollCommandStatus.Done)
            {
                LogDestroyed(logger, poll.Id, closed);
            }
            else
            {
                LogNotDestroyed(logger, poll.Id, result.Status);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Voter-key secret of poll {PollId} (closed {ClosedAt:o}) destroyed: its votes can no longer be linked to viewers")]
    private static partial void LogDestroyed(ILogger logger, string pollId, DateTimeOffset closedAt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Voter-key secret of poll {PollId} is due for destruction but was not destroyed ({Status}); trying again at the next scan")]
    private static partial void LogNotDestroyed(ILogger logger, string pollId, PollCommandStatus status);
}
