using LiveVote.Server.Security.Evidence;
using LiveVote.Server.Storage.Postgres;
using LiveVote.Server.Tests.Storage.Postgres;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace LiveVote.Server.Tests.Security.Evidence;

/// <summary>The evidence table contract on a real PostgreSQL, a database per test migrated by the vote store, as a node does.</summary>
public sealed class PostgresRiskEvidenceTableTests(PostgresClusterFixture cluster)
    : RiskEvidenceTableContract, IClassFixture<PostgresClusterFixture>, IAsyncLifetime
{
    private readonly string _database = "evidence_" + Guid.NewGuid().ToString("N");
    private NpgsqlDataSource? _dataSource;
    private PostgresRiskEvidenceTable? _table;

    private protected override IRiskEvidenceTable Table => _table ?? throw new InvalidOperationException("Not initialised.");

    public async Task InitializeAsync()
    {
        await cluster.ExecuteAsync($"CREATE DATABASE {_database}");
        _dataSource = PostgresDataSource.Create(cluster.Server.ConnectionString(_database));
        await using (var store = new PostgresVoteStore(_dataSource, TimeProvider.System, NullLogger<PostgresVoteStore>.Instance))
        {
            await store.OpenAsync(CancellationToken.None);
        }

        _table = new PostgresRiskEvidenceTable(_dataSource);
    }

    public async Task DisposeAsync()
    {
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }

        await cluster.ExecuteAsync($"DROP DATABASE IF EXISTS {_database} WITH (FORCE)");
    }
}
