namespace LiveVote.Server.Polls;

/// <summary>
/// Each store partition's view of the polls, and the node's <see cref="PollRegistry"/> as their merge. A poll change
/// fans out to every partition and each partition's writer applies it to its own cluster, deciding from that cluster's
/// view (a writer must not skip its close because another cluster has closed already). The node's view of a poll is its
/// least advanced state over the partitions that hold it: open only once every cluster opened it, closed only once every
/// cluster closed it. Only the partitions the poll is spread over count (<see cref="Poll.PartitionCount"/>: a poll created
/// before a cluster was added lives in the first ones only). Views only move forward (<see cref="PollRegistry.Refresh"/>),
/// so the merge does too. With one partition its view is the node's registry itself, exactly as before.
/// </summary>
public sealed class PartitionPolls
{
    private readonly PollRegistry _node;
    private readonly PollRegistry[] _views;
    private readonly Lock _merging = new();

    public PartitionPolls(PollRegistry node, int partitions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        _node = node;
        _views = partitions == 1 ? [node] : [.. Enumerable.Range(0, partitions).Select(_ => new PollRegistry())];
    }

    public int Count => _views.Length;

    /// <summary>The polls as partition <paramref name="partition"/>'s cluster holds them (what its writer committed or its refresh read).</summary>
    public PollRegistry View(int partition) => _views[partition];

    /// <summary>Partition <paramref name="partition"/>'s writer committed this state of the poll.</summary>
    internal void Committed(int partition, Poll poll)
    {
        if (_views.Length == 1)
        {
            _node.Set(poll);
            return;
        }

        _views[partition].Refresh(poll);
        Merge(poll.Id);
    }

    /// <summary>This state of the poll was read back from partition <paramref name="partition"/>'s cluster.</summary>
    internal void Read(int partition, Poll poll)
    {
        _views[partition].Refresh(poll);
        if (_views.Length > 1)
        {
            Merge(poll.Id);
        }
    }

    /// <summary>Partitions whose view holds the poll at a state other than the node's (a fan-out not yet everywhere).</summary>
    public IEnumerable<int> Behind(Poll poll)
    {
        for (var p = 0; p < Math.Min(poll.PartitionCount, _views.Length); p++)
        {
            if (!_views[p].TryGetHeld(poll.Id, out var held) || PollRegistry.IsOlder(held, poll))
            {
                yield return p;
            }
        }
    }

    private void Merge(string pollId)
    {
        // Writers of several partitions commit at once: the merge reads every view and writes the node's in one step.
        lock (_merging)
        {
            Poll? least = null;
            var spread = _views.Length;
            for (var p = 0; p < Math.Min(spread, _views.Length); p++)
            {
                if (_views[p].TryGetHeld(pollId, out var poll))
                {
                    spread = poll.PartitionCount;
                    if (p < spread && (least is null || PollRegistry.IsOlder(poll, least)))
                    {
                        least = poll;
                    }
                }
            }

            if (least is not null)
            {
                _node.Refresh(least);
            }
        }
    }
}
