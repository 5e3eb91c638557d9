using LiveVote.Server.Security.Captcha;
using LiveVote.Server.Storage.Postgres;
using LiveVote.Server.Tests.Storage.Postgres;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace LiveVote.Server.Tests.Security.Captcha;

/// <summary>
/// <c>used_challenges</c> on a real PostgreSQL (migrated by the vote store, as a node does at start), each test on its
/// own database: two nodes marking the same solutions at once count each once, and the purge deletes exactly the rows
/// expired before its cutoff.
/// </summary>
public sealed class PostgresUsedChallengeTableTests(PostgresClusterFixture cluster) : IClassFixture<PostgresClusterFixture>, IAsyncLifetime
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeMilliseconds(1_790_000_000_000);
    private readonly string _database = "captcha_" + Guid.NewGuid().ToString("N");
    private readonly List<NpgsqlDataSource> _dataSources = [];

    public async Task InitializeAsync()
    {
        await cluster.ExecuteAsync($"CREATE DATABASE {_database}");
        await using var store = new PostgresVoteStore(Node(), TimeProvider.System, NullLogger<PostgresVoteStore>.Instance);
        await store.OpenAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        foreach (var dataSource in _dataSources)
        {
            await dataSource.DisposeAsync();
        }

        await cluster.ExecuteAsync($"DROP DATABASE IF EXISTS {_database} WITH (FORCE)");
    }

    [Fact]
    public async Task TwoNodes_MarkingTheSameSolutionsAtOnce_CountEachOnce()
    {
        await using var nodeA = Used(new PostgresUsedChallengeTable(Node()));
        await using var nodeB = Used(new PostgresUsedChallengeTable(Node()));
        var challenges = Enumerable.Range(0, 200).Select(i => i.ToString("x64", System.Globalization.CultureInfo.InvariantCulture)).ToArray();

        var marks = await Task.WhenAll(challenges.Select(async (challenge, i) =>
        {
            // Half the pairs start on B first, so the two nodes' batches overlap in both orders.
            var (first, second) = i % 2 == 0 ? (nodeA, nodeB) : (nodeB, nodeA);
            var one = first.TryMarkUsedAsync(challenge, Now, CancellationToken.None).AsTask();
            var other = second.TryMarkUsedAsync(challenge, Now, CancellationToken.None).AsTask();
            return await Task.WhenAll(one, other);
        }));

        Assert.All(marks, pair => Assert.Equal([UsedChallengeMark.Marked, UsedChallengeMark.AlreadyUsed], pair.Order()));
        Assert.Equal(200L, await ScalarAsync("SELECT count(*) FROM used_challenges"));
    }

    [Fact]
    public async Task InsertNew_SaysWhichWereNew_InTheOrderGiven()
    {
        var table = new PostgresUsedChallengeTable(Node());
        await table.InsertNewAsync([Used('b', Now)], CancellationToken.None);

        Assert.Equal(new[] { true, false, true }, await table.InsertNewAsync([Used('c', Now), Used('b', Now), Used('a', Now)], CancellationToken.None));
        Assert.Equal(Now.ToUnixTimeMilliseconds(), await ScalarAsync($"SELECT expires_at FROM used_challenges WHERE challenge = '\\x{new string('c', 64)}'"));
    }

    [Fact]
    public async Task DeleteExpired_DeletesTheRowsThatExpiredBeforeTheCutoff_AndKeepsTheRest()
    {
        var table = new PostgresUsedChallengeTable(Node());
        await table.InsertNewAsync([Used('a', Now.AddSeconds(-1)), Used('b', Now), Used('c', Now.AddMinutes(5))], CancellationToken.None);

        Assert.Equal(1, await table.DeleteExpiredAsync(Now, CancellationToken.None));
        Assert.Equal(new[] { true, false, false }, await table.InsertNewAsync([Used('a', Now), Used('b', Now), Used('c', Now)], CancellationToken.None));
        Assert.Equal(0, await table.DeleteExpiredAsync(Now, CancellationToken.None));
    }

    [Fact]
    public async Task Mark_WhenTheDatabaseIsUnreachable_IsUnavailable()
    {
        await using var unreachable = NpgsqlDataSource.Create("Host=127.0.0.1;Port=9;Username=postgres;Database=livevote;Timeout=5");
        await using var used = Used(new PostgresUsedChallengeTable(unreachable));

        Assert.Equal(UsedChallengeMark.Unavailable, await used.TryMarkUsedAsync(new string('a', 64), Now, CancellationToken.None));
    }

    private static StoredUsedChallenges Used(IUsedChallengeTable table) => new(table, NullLogger<StoredUsedChallenges>.Instance);

    private static UsedChallenge Used(char c, DateTimeOffset expires) => new(Convert.FromHexString(new string(c, 64)), expires.ToUnixTimeMilliseconds());

    /// <summary>A node's data source, as the server makes it.</summary>
    private NpgsqlDataSource Node()
    {
        var dataSource = PostgresDataSource.Create(cluster.Server.ConnectionString(_database));
        _dataSources.Add(dataSource);
        return dataSource;
    }

    private async Task<long> ScalarAsync(string sql)
    {
        await using var command = Node().CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
