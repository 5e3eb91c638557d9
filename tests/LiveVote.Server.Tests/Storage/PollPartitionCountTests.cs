using System.Net;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace LiveVote.Server.Tests.Storage;

/// <summary>
/// A poll records the number of store partitions it was created with and routes with it for its whole life; a store
/// from before that column (migration 2) opens with every poll on one partition.
/// </summary>
public sealed class PollPartitionCountTests : IDisposable
{
    private readonly string _dataDirectory = TempDirectory.Create("livevote-partitions");

    public void Dispose() => TempDirectory.Delete(_dataDirectory);

    private string DatabasePath => Path.Combine(_dataDirectory, "livevote.db");

    [Fact]
    public async Task CreatedPoll_RecordsOnePartition_AndKeepsItAcrossARestart()
    {
        PollDto poll;
        await using (var server = new LiveVoteServer(dataDirectory: _dataDirectory))
        {
            var admin = server.AdminClient();
            poll = await Api.CreateOpenPollAsync(admin, "a", "b");
            var viewer = await Api.RegisterAsync(admin);
            Assert.Equal(HttpStatusCode.Created, (await Api.VoteAsync(server.Client(), poll.Id, viewer.Token, "a")).StatusCode);
        }

        Assert.Equal(1, PartitionCount(poll.Id));

        await using var restarted = new LiveVoteServer(dataDirectory: _dataDirectory);
        var next = await Api.RegisterAsync(restarted.AdminClient());
        Assert.Equal(HttpStatusCode.Created, (await Api.VoteAsync(restarted.Client(), poll.Id, next.Token, "b")).StatusCode);
        Assert.Equal(2, StoreFile.CountVotes(DatabasePath, poll.Id));
        Assert.Equal(1, PartitionCount(poll.Id));
    }

    [Fact]
    public async Task StoreFromBeforeMigrationTwo_OpensWithItsPollsOnOnePartition()
    {
        PollDto poll;
        await using (var server = new LiveVoteServer(dataDirectory: _dataDirectory))
        {
            poll = await Api.CreateOpenPollAsync(server.AdminClient(), "a", "b");
        }

        RewriteAsSchemaVersionOne();

        await using var upgraded = new LiveVoteServer(dataDirectory: _dataDirectory);
        var viewer = await Api.RegisterAsync(upgraded.AdminClient());
        Assert.Equal(HttpStatusCode.Created, (await Api.VoteAsync(upgraded.Client(), poll.Id, viewer.Token, "a")).StatusCode);
        Assert.Equal(1, PartitionCount(poll.Id));
        Assert.Equal(1, StoreFile.CountVotes(DatabasePath, poll.Id));
    }

    /// <summary>
    /// A poll spread over more partitions than the node runs cannot be routed: storing its votes on the wrong cluster
    /// would break dedup, so they are refused with 503 + Retry-After and nothing is stored.
    /// </summary>
    [Fact]
    public async Task Vote_InPollSpreadOverMorePartitionsThanTheNodeRuns_Is503AndNotStored()
    {
        PollDto poll;
        await using (var server = new LiveVoteServer(dataDirectory: _dataDirectory))
        {
            poll = await Api.CreateOpenPollAsync(server.AdminClient(), "a", "b");
        }

        Execute($"UPDATE polls SET partition_count = 2 WHERE id = '{poll.Id}'");

        await using var restarted = new LiveVoteServer(dataDirectory: _dataDirectory);
        var viewer = await Api.RegisterAsync(restarted.AdminClient());
        var response = await Api.VoteAsync(restarted.Client(), poll.Id, viewer.Token, "a");

        await ProblemAssert.IsAsync(response, HttpStatusCode.ServiceUnavailable, ErrorCodes.StoreUnavailable);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Equal(0, StoreFile.CountVotes(DatabasePath, poll.Id));
    }

    private long PartitionCount(string pollId)
    {
        using var connection = StoreFile.OpenReadOnly(DatabasePath);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT partition_count FROM polls WHERE id = $poll";
        command.Parameters.AddWithValue("$poll", pollId);
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>
    /// Replaces the store by one at schema version 1 holding the same rows: what a node of the release before the
    /// partition count left behind (independent of the migrations that came after it).
    /// </summary>
    private void RewriteAsSchemaVersionOne()
    {
        var current = DatabasePath + ".current";
        Execute("PRAGMA wal_checkpoint(TRUNCATE)");
        File.Move(DatabasePath, current);
        File.Delete(DatabasePath + "-wal");
        File.Delete(DatabasePath + "-shm");
        using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false }.ToString()))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = LiveVote.Server.Storage.Sqlite.SqliteSchema.Migrations[0] + $"""

                PRAGMA user_version = 1;
                ATTACH DATABASE '{current}' AS old;
                INSERT INTO polls SELECT id, title, options, status, created_at, opened_at, closed_at FROM old.polls;
                INSERT INTO votes SELECT seq, poll_id, voter_key, option_id FROM old.votes;
                INSERT INTO tallies SELECT poll_id, option_id, count FROM old.tallies;
                INSERT INTO audit SELECT seq, kind, poll_id, voter_key, option_id, at, data, prev_hash, hash FROM old.audit;
                """;
            command.ExecuteNonQuery();
        }

        File.Delete(current);
        Assert.Equal(1L, ScalarAt("PRAGMA user_version"));
        Assert.Equal(0L, ScalarAt("SELECT count(*) FROM pragma_table_info('polls') WHERE name = 'partition_count'"));
    }

    private object? ScalarAt(string sql)
    {
        using var connection = StoreFile.OpenReadOnly(DatabasePath);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private void Execute(string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
