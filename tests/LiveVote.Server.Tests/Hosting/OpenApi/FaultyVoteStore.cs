using LiveVote.Server.Audit;
using LiveVote.Server.Storage;
using LiveVote.Server.Storage.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LiveVote.Server.Tests.Hosting.OpenApi;

/// <summary>What the <see cref="FaultyVoteStore"/> does to the next commits.</summary>
public enum StoreFault
{
    /// <summary>Commits as the real store does.</summary>
    None,

    /// <summary>Every commit throws and the store does not answer a ping: a lost disk or database.</summary>
    Down,

    /// <summary>Every commit is refused as another node's change of the poll came first (what a shared store reports).</summary>
    RefusePollChange,
}

/// <summary>The real SQLite store, with faults switched on and off by the test: the server's answers to a store that fails.</summary>
public sealed class FaultyVoteStore(SqliteVoteStore inner) : IVoteStore
{
    private volatile StoreFault _fault;

    public StoreFault Fault
    {
        get => _fault;
        set => _fault = value;
    }

    public Task<StoreState> OpenAsync(CancellationToken cancellationToken) => inner.OpenAsync(cancellationToken);

    public ValueTask CommitAsync(WriteBatch batch, AuditChain chain) => _fault switch
    {
        StoreFault.Down => ValueTask.FromException(new IOException("The disk is gone.")),
        StoreFault.RefusePollChange => ValueTask.FromException(new PollChangeRefusedException("any")),
        _ => inner.CommitAsync(batch, chain),
    };

    public Task<IReadOnlyList<AuditEntry>> ReadAuditAsync(string pollId, long afterSeq, int limit, CancellationToken cancellationToken) =>
        inner.ReadAuditAsync(pollId, afterSeq, limit, cancellationToken);

    public Task<bool> PingAsync(CancellationToken cancellationToken) =>
        _fault == StoreFault.Down ? Task.FromResult(false) : inner.PingAsync(cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    /// <summary>Registers the real store and puts this decorator in front of it as the <see cref="IVoteStore"/>.</summary>
    public static void Decorate(IServiceCollection services)
    {
        services.AddSingleton<SqliteVoteStore>();
        services.RemoveAll<IVoteStore>();
        services.AddSingleton<FaultyVoteStore>();
        services.AddSingleton<IVoteStore>(provider => provider.GetRequiredService<FaultyVoteStore>());
    }
}
