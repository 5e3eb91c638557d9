using LiveVote.Server.Audit;
using LiveVote.Server.Storage;
using LiveVote.Server.Storage.Postgres;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace LiveVote.Server.Tests.Storage.Postgres;

/// <summary>One throwaway PostgreSQL cluster for the whole contract class; each test gets its own database.</summary>
public sealed class PostgresClusterFixture : IAsyncLifetime
{
    private PostgresServer? _server;

    public PostgresServer Server => _server ?? throw new InvalidOperationException("The cluster has not started.");

    public async Task InitializeAsync() => _server = await PostgresServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(Server.ConnectionString("postgres").Replace("Pooling=true", "Pooling=false", StringComparison.Ordinal));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}

/// <summary>The store contract against the production store: a fresh database on a real PostgreSQL per test.</summary>
public sealed class PostgresVoteStoreContractTests(PostgresClusterFixture cluster) : VoteStoreContract, IClassFixture<PostgresClusterFixture>
{
    private readonly string _database = "contract_" + Guid.NewGuid().ToString("N");
    private readonly List<NpgsqlDataSource> _dataSources = [];

    public override Task InitializeAsync() => cluster.ExecuteAsync($"CREATE DATABASE {_database}");

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        foreach (var dataSource in _dataSources)
        {
            await dataSource.DisposeAsync();
        }

        await cluster.ExecuteAsync($"DROP DATABASE IF EXISTS {_database} WITH (FORCE)");
    }

    protected override IVoteStore NewStore()
    {
        var dataSource = PostgresDataSource.Create(cluster.Server.ConnectionString(_database));
        _dataSources.Add(dataSource);
        return new PostgresVoteStore(dataSource, TimeProvider.System, NullLogger<PostgresVoteStore>.Instance);
    }

    /// <summary>Each writer start registers a new writer id and begins its own chain (several nodes write at once).</summary>
    protected override bool ResumesChainOnReopen => false;

    /// <summary>Many nodes write one database; the (poll_id, voter_key) primary key settles duplicates between them.</summary>
    protected override bool AdmitsSecondWriter => true;

    protected override string ExpectedVoteId(AuditEntry entry) => $"{entry.Chain}-{entry.Seq}";

    protected override Task DestroyStorageAsync() => cluster.ExecuteAsync($"DROP DATABASE {_database} WITH (FORCE)");
}
