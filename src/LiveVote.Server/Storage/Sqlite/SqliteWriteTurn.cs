using Microsoft.Data.Sqlite;

namespace LiveVote.Server.Storage.Sqlite;

/// <summary>
/// One write transaction at a time on the node's SQLite file among this process's connections: the vote writer, the
/// signed tree heads' writer and the side tables (used CAPTCHA challenges, risk evidence, node counters) take their turn
/// here before they write.
/// SQLite allows one writer anyway; without this, a connection that found the file's write lock taken slept in SQLite's
/// busy handler in growing steps (1, 2, 5, 10, 15, 20, 25 ms...: strace of a node under wrk showed about two such waits
/// a second, a quarter of them past 50 ms), so the vote writer lost whole milliseconds after each side commit and a side
/// write blocked a thread-pool thread while it slept. Here a waiter is woken the moment the holder is done, in arrival
/// order (the semaphore hands its permit to the oldest waiter), and side writers wait without holding a thread. SQLite's
/// own lock and busy timeout still guard the file against other processes (a backup); other rare in-process writers
/// (signed final results, checkpoints) rely on them as before.
/// </summary>
public sealed class SqliteWriteTurn : IDisposable
{
    /// <summary>
    /// How long a writer waits for its turn before it fails as SQLite would have (<c>SQLITE_BUSY</c>, 503 to the
    /// client): the busy timeout every connection to the file had (5 s). A turn lasts one transaction, milliseconds.
    /// </summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(5);

    private const int SqliteBusy = 5;

    private readonly SemaphoreSlim _turn = new(1, 1);
    private readonly TimeSpan _maxWait;

    public SqliteWriteTurn()
        : this(MaxWait)
    {
    }

    /// <summary>A turn whose waiters give up after <paramref name="maxWait"/> (the tests' short waits).</summary>
    internal SqliteWriteTurn(TimeSpan maxWait) => _maxWait = maxWait;

    /// <summary>Takes the turn if nobody holds it: the vote writer's usual case, with no allocation and no await.</summary>
    public bool TryEnter() => _turn.Wait(0);

    /// <summary>Waits for the turn (at most <see cref="MaxWait"/>, then SQLITE_BUSY); dispose the result to hand it on.</summary>
    public async ValueTask<Held> EnterAsync(CancellationToken cancellationToken)
    {
        if (!await _turn.WaitAsync(_maxWait, cancellationToken).ConfigureAwait(false))
        {
            throw new SqliteException($"database is locked: no write turn within {_maxWait.TotalSeconds:0.###} s", SqliteBusy);
        }

        return new Held(this);
    }

    public void Exit() => _turn.Release();

    public void Dispose() => _turn.Dispose();

    /// <summary>A turn being held; disposing it hands the turn to the next writer.</summary>
    public readonly struct Held(SqliteWriteTurn turn) : IDisposable
    {
        public void Dispose() => turn.Exit();
    }
}
