namespace LiveVote.Server.Hosting.Shutdown;

/// <summary>Whether the node is shutting down: from then on readiness answers 503 <c>draining</c>.</summary>
internal sealed class Draining
{
    private int _draining;

    public bool IsDraining => Volatile.Read(ref _draining) == 1;

    /// <summary>Starts draining; true the first time only.</summary>
    public bool Begin() => Interlocked.Exchange(ref _draining, 1) == 0;
}
