using Npgsql;

namespace LiveVote.Server.Storage.Postgres;

/// <summary>
/// One <see cref="NpgsqlDataSource"/> per configured cluster, in partition order, made once and disposed with the node.
/// Everything that talks to a cluster (its store, state monitor, checkpoint writer, the map check) uses these.
/// </summary>
public sealed class PostgresClusters : IAsyncDisposable
{
    public PostgresClusters(IReadOnlyList<string> connectionStrings) =>
        DataSources = [.. connectionStrings.Select(PostgresDataSource.Create)];

    public IReadOnlyList<NpgsqlDataSource> DataSources { get; }

    public async ValueTask DisposeAsync()
    {
        foreach (var dataSource in DataSources)
        {
            await dataSource.DisposeAsync();
        }
    }
}
