using LiveVote.Server.Polls;

namespace LiveVote.Server.Results.Final;

/// <summary>
/// Every <see cref="Interval"/>, each closed poll whose result this node does not hold as signed is looked at again
/// (<see cref="FinalResults.SignAsync"/>): a close that reached a partition late (catch-up), one another node made (its
/// statement is read from the store and served here too), a store that failed at close, a restart. A refused result is
/// not gated again here: only the producer's press does that, after the fix.
/// </summary>
internal sealed class FinalResultSweeper(PollRegistry polls, FinalResults results, TimeProvider time) : BackgroundService
{
    /// <summary>Short enough that every node of a fleet shows "final" within seconds of the signing node; each look is a few indexed reads.</summary>
    internal static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                foreach (var poll in polls.All())
                {
                    if (poll.Status == PollStatus.Closed && results.StateOf(poll.Id).Status != FinalResultStatus.Signed)
                    {
                        await results.SignAsync(poll.Id, retryRefused: false, stoppingToken);
                    }
                }

                await Task.Delay(Interval, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
