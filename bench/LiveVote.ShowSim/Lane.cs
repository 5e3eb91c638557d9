namespace LiveVote.ShowSim;

/// <summary>One node's queue and batch writer for one cluster (the server's <c>IngestQueue</c> + <c>BatchWriter</c>).</summary>
internal sealed class Lane(int cluster, int capacity)
{
    public int Cluster { get; } = cluster;

    public int Capacity { get; } = capacity;

    public Queue<int> Waiting { get; } = new();

    /// <summary>The votes of the commit in flight.</summary>
    public List<int> Batch { get; } = [];

    public bool Committing { get; set; }

    /// <summary>The commit in flight passed its deadline: its votes were answered 503, and so is every arrival.</summary>
    public bool Stalled { get; set; }

    /// <summary>Pausing after a failed commit.</summary>
    public bool Paused { get; set; }

    /// <summary>Numbers commits, so a deadline event finds out whether its commit is still the one in flight.</summary>
    public long CommitSerial { get; set; }

    public bool CommitStores { get; set; }

    public int MaxDepth { get; set; }

    public bool IsFull => Waiting.Count >= Capacity;
}
