namespace LiveVote.Server.Results;

/// <summary>
/// Lets a producer's answer wait until the results this node serves show the poll changes it has committed: with a
/// shared store the writers commit but the results are published from what is read back (<c>SharedStateRefresher</c>),
/// so without the wait the poll the producer has just opened would have no results on this node (503
/// <c>results-pending</c>) for up to a refresh, and its close would still show as open.
/// </summary>
internal interface IResultsCatchUp
{
    /// <summary>Returns once the results published by this node reflect every poll change committed before the call.</summary>
    Task CatchUpAsync(CancellationToken cancellationToken);
}

/// <summary>The embedded node: its one writer reports every committed change to the results before it answers.</summary>
internal sealed class WriterReportedResults : IResultsCatchUp
{
    public Task CatchUpAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
