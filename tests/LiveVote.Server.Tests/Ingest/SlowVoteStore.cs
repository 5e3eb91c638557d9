using LiveVote.Server.Audit;
using LiveVote.Server.Storage;
using LiveVote.Server.Storage.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LiveVote.Server.Tests.Ingest;

/// <summary>
/// The real SQLite store, with every commit made slower (a slow disk): the writer falls behind, so the bounded queue
/// fills. Nothing else is changed: what it commits is exactly what the real store commits.
/// </summary>
public sealed class SlowVoteStore(SqliteVoteStore inner, TimeSpan commitDelay) : IVoteStore
{
    private int _commits;

    public int Commits => Volatile.Read(ref _commits);

    public Task<StoreState> OpenAsync(CancellationToken cancellationToken) => inner.OpenAsync(cancellationToken);

    public async ValueTask CommitAsync(WriteBatch batch, AuditChain chain)
    {
        await Task.Delay(commitDelay);
        await inner.CommitAsync(batch, chain);
        Interlocked.Increment(ref _commits);
    }

    public Task<IReadOnlyList<AuditEntry>> ReadAuditAsync(string pollId, long afterSeq, int limit, CancellationToken cancellationToken) =>
        inner.ReadAuditAsync(pollId, afterSeq, limit, cancellationToken);

    public Task<bool> PingAsync(CancellationToken cancellationToken) => inner.PingAsync(cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    /// <summary>Registers the real store and puts this decorator in front of it as the <see cref="IVoteStore"/>.</summary>
    public static void Decorate(IServiceCollection services, TimeSpan commitDelay)
    {
        services.AddSingleton<SqliteVoteStore>();
        services.RemoveAll<IVoteStore>();
        services.AddSingleton<IVoteStore>(provider => new SlowVoteStore(provider.GetRequiredService<SqliteVoteStore>(), commitDelay));
    }
}
