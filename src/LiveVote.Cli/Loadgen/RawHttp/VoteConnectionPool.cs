using System.Collections.Concurrent;

namespace LiveVote.Cli.Loadgen.RawHttp;

/// <summary>
/// At most N keep-alive connections (wrk's -c), opened on first need and reused; a caller waits for a free one (the
/// open loop's queue, as HttpClient's pool queued before). A connection that failed or that the server closes is
/// dropped and a new one opened by the next caller.
/// </summary>
internal sealed class VoteConnectionPool(Uri url, int maxConnections) : IAsyncDisposable
{
    private readonly SemaphoreSlim _permits = new(maxConnections, maxConnections);
    private readonly ConcurrentStack<VoteConnection> _idle = new();

    public async ValueTask<VoteConnection> RentAsync(CancellationToken cancellationToken)
    {
        await _permits.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (_idle.TryPop(out var connection))
        {
            return connection;
        }

        try
        {
            return await VoteConnection.OpenAsync(url, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _permits.Release();
            throw;
        }
    }

    /// <summary>Gives the connection back: kept for the next request when <paramref name="reusable"/>, else closed.</summary>
    public async ValueTask ReturnAsync(VoteConnection connection, bool reusable)
    {
        if (reusable)
        {
            _idle.Push(connection);
        }
        else
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }

        _permits.Release();
    }

    public async ValueTask DisposeAsync()
    {
        while (_idle.TryPop(out var connection))
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }

        _permits.Dispose();
    }
}
