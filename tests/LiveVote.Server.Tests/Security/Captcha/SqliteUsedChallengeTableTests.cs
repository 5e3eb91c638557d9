using LiveVote.Server.Security.Captcha;
using LiveVote.Server.Storage.Sqlite;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Tests.Security.Captcha;

/// <summary>
/// <c>used_challenges</c> in a real SQLite file, opened (and migrated) by the vote store, which holds the file's lock
/// all along, as in the server: first use counts once, a reopened file still knows it, and the purge deletes exactly
/// the rows expired before its cutoff.
/// </summary>
public sealed class SqliteUsedChallengeTableTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeMilliseconds(1_790_000_000_000);
    private readonly string _directory = TempDirectory.Create("livevote-used-challenges");
    private SqliteVoteStore? _store;

    private IOptions<SqliteOptions> Settings => Options.Create(new SqliteOptions { Path = Path.Combine(_directory, "livevote.db") });

    public async Task InitializeAsync() => _store = await OpenStoreAsync();

    public async Task DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        SqliteConnection.ClearAllPools();
        TempDirectory.Delete(_directory);
    }

    [Fact]
    public async Task Mark_CountsOnce_AndTheFileRemembersItAfterTheStoreIsReopened()
    {
        await using (var used = Used(new SqliteUsedChallengeTable(Settings)))
        {
            Assert.Equal(UsedChallengeMark.Marked, await used.TryMarkUsedAsync(Challenge('a'), Now, CancellationToken.None));
            Assert.Equal(UsedChallengeMark.AlreadyUsed, await used.TryMarkUsedAsync(Challenge('a'), Now, CancellationToken.None));
        }

        await _store!.DisposeAsync();
        _store = await OpenStoreAsync();

        await using (var used = Used(new SqliteUsedChallengeTable(Settings)))
        {
            Assert.Equal(UsedChallengeMark.AlreadyUsed, await used.TryMarkUsedAsync(Challenge('a'), Now, CancellationToken.None));
            Assert.Equal(UsedChallengeMark.Marked, await used.TryMarkUsedAsync(Challenge('b'), Now, CancellationToken.None));
        }

        Assert.Equal(2L, Scalar("SELECT count(*) FROM used_challenges"));
        Assert.Equal(Now.ToUnixTimeMilliseconds(), Scalar($"SELECT expires_at FROM used_challenges WHERE challenge = x'{Challenge('a')}'"));
    }

    [Fact]
    public async Task InsertNew_SaysWhichWereNew_InTheOrderGiven()
    {
        var table = new SqliteUsedChallengeTable(Settings);
        await table.InsertNewAsync([Used('b', Now)], CancellationToken.None);

        Assert.Equal(new[] { true, false, true }, await table.InsertNewAsync([Used('a', Now), Used('b', Now), Used('c', Now)], CancellationToken.None));
    }

    [Fact]
    public async Task DeleteExpired_DeletesTheRowsThatExpiredBeforeTheCutoff_AndKeepsTheRest()
    {
        var table = new SqliteUsedChallengeTable(Settings);
        await table.InsertNewAsync([Used('a', Now.AddSeconds(-1)), Used('b', Now), Used('c', Now.AddMinutes(5))], CancellationToken.None);

        Assert.Equal(1, await table.DeleteExpiredAsync(Now, CancellationToken.None));
        Assert.Equal(new[] { true, false, false }, await table.InsertNewAsync([Used('a', Now), Used('b', Now), Used('c', Now)], CancellationToken.None));
        Assert.Equal(0, await table.DeleteExpiredAsync(Now, CancellationToken.None));
    }

    [Fact]
    public async Task Mark_WithoutTheDatabaseFile_IsUnavailable_AndCreatesNoFile()
    {
        var missing = Path.Combine(_directory, "missing.db");
        await using var used = Used(new SqliteUsedChallengeTable(Options.Create(new SqliteOptions { Path = missing })));

        Assert.Equal(UsedChallengeMark.Unavailable, await used.TryMarkUsedAsync(Challenge('a'), Now, CancellationToken.None));
        Assert.False(File.Exists(missing));
    }

    private static StoredUsedChallenges Used(IUsedChallengeTable table) => new(table, NullLogger<StoredUsedChallenges>.Instance);

    private static string Challenge(char c) => new(c, 64);

    private static UsedChallenge Used(char c, DateTimeOffset expires) => new(Convert.FromHexString(Challenge(c)), expires.ToUnixTimeMilliseconds());

    private async Task<SqliteVoteStore> OpenStoreAsync()
    {
        var store = new SqliteVoteStore(Settings);
        await store.OpenAsync(CancellationToken.None);
        return store;
    }

    private object? Scalar(string sql)
    {
        using var connection = StoreFile.OpenReadOnly(Settings.Value.Path!);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
