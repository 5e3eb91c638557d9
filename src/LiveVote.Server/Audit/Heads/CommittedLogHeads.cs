using System.Threading.Channels;

namespace LiveVote.Server.Audit.Heads;

/// <summary>
/// The committed (size, root) of every log this node's writers grew, published by each batch writer after its commit
/// and taken by the <see cref="HeadSigner"/>: a head is signed only for what is durable. A batch with a poll change (open,
/// close, freeze, release) asks for signing at once rather than at the next interval.
/// </summary>
public sealed class CommittedLogHeads
{
    private readonly Lock _lock = new();
    private readonly Dictionary<LogKey, LogHead> _heads = [];
    private readonly Channel<bool> _signNow = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Called by a batch writer after a commit, for each log the batch grew.</summary>
    public void Committed(int partition, int chain, string pollId, long size, in Sha256Hash root)
    {
        lock (_lock)
        {
            _heads[new LogKey(partition, chain, pollId)] = new LogHead(size, root);
        }
    }

    /// <summary>A lifecycle change committed: the signer signs now, not at its next interval.</summary>
    public void SignSoon() => _signNow.Writer.TryWrite(true);

    /// <summary>Completes when <see cref="SignSoon"/> was asked since the last wait, or the token is cancelled.</summary>
    public async Task WaitForSignSoonAsync(CancellationToken cancellationToken)
    {
        await _signNow.Reader.WaitToReadAsync(cancellationToken);
        _signNow.Reader.TryRead(out _);
    }

    /// <summary>Every log's latest committed head.</summary>
    public List<KeyValuePair<LogKey, LogHead>> Snapshot()
    {
        lock (_lock)
        {
            return [.. _heads];
        }
    }
}

/// <param name="Partition">The store partition (cluster) the log is in.</param>
/// <param name="Chain">The writer chain: 0 in SQLite, the writer id in PostgreSQL.</param>
public readonly record struct LogKey(int Partition, int Chain, string PollId);

public readonly record struct LogHead(long Size, Sha256Hash Root);
