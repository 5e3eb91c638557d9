using LiveVote.Server.Storage.Postgres;
using Npgsql;

namespace LiveVote.Server.Tests.Storage.Postgres;

/// <summary>The settings a node's data source adds to the operator's connection string, and those it leaves alone.</summary>
public sealed class PostgresDataSourceTests
{
    [Fact]
    public async Task Create_TurnsGssEncryptionOff_AndKeepsTheOperatorsOtherSettings()
    {
        await using var dataSource = PostgresDataSource.Create("Host=db.example;Port=5433;Username=livevote;Database=votes;Timeout=7");

        var settings = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
        Assert.Equal(GssEncryptionMode.Disable, settings.GssEncryptionMode);
        Assert.Equal(0, settings.CommandTimeout);
        Assert.Equal(32, settings.MaxAutoPrepare);
        Assert.Equal(1, settings.HostRecheckSeconds);
        Assert.Equal(("db.example", 5433, "livevote", "votes", 7), (settings.Host, settings.Port, settings.Username, settings.Database, settings.Timeout));
    }

    [Theory]
    [InlineData("Host=db.example;Username=livevote;GSS Encryption Mode=Require", GssEncryptionMode.Require)]
    [InlineData("Host=db.example;Username=livevote;GssEncryptionMode=Prefer", GssEncryptionMode.Prefer)]
    public async Task Create_KeepsTheGssEncryptionModeTheOperatorAskedFor(string connectionString, GssEncryptionMode expected)
    {
        await using var dataSource = PostgresDataSource.Create(connectionString);

        Assert.Equal(expected, new NpgsqlConnectionStringBuilder(dataSource.ConnectionString).GssEncryptionMode);
    }
}
