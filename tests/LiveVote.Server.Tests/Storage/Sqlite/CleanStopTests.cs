using System.Net;
using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Server.Tests.Storage.Sqlite;

/// <summary>
/// A clean stop leaves one self-contained database file: the WAL checkpointed into it and emptied, no connection left
/// holding it. Copying the file alone (a backup, a move to another machine) then carries every acknowledged vote.
/// </summary>
public sealed class CleanStopTests
{
    [Fact]
    public async Task CleanStop_LeavesTheDatabaseFileAloneHoldingEveryVote()
    {
        var directory = TempDirectory.Create("livevote-clean-stop");
        var copy = TempDirectory.Create("livevote-clean-stop-copy");
        try
        {
            string pollId;
            await using (var server = new LiveVoteServer(dataDirectory: directory))
            {
                using var admin = server.AdminClient();
                var poll = await Api.CreateOpenPollAsync(admin);
                pollId = poll.Id;
                var viewers = await Api.RegisterManyAsync(admin, 5);
                foreach (var viewer in viewers)
                {
                    Assert.Equal(HttpStatusCode.Created, (await Api.VoteAsync(server.Client(), poll.Id, viewer.Token, "a")).StatusCode);
                }
            }

            // The store's last checkpoint retries while another connection of the stopping node (a head signer's, a
            // sweeper's) still reads; the test host's disposal can return before such a retry finished, so wait for the
            // outcome (at most 5 s) rather than assume it is instant.
            var wal = Path.Combine(directory, "livevote.db-wal");
            var walBytes = File.Exists(wal) ? new FileInfo(wal).Length : 0;
            for (var deadline = DateTime.UtcNow.AddSeconds(5); walBytes > 0 && DateTime.UtcNow < deadline; walBytes = File.Exists(wal) ? new FileInfo(wal).Length : 0)
            {
                await Task.Delay(50);
            }

            Assert.Equal(0, walBytes);
            File.Copy(Path.Combine(directory, "livevote.db"), Path.Combine(copy, "livevote.db"));
            Assert.Equal(5, StoreFile.CountVotes(Path.Combine(copy, "livevote.db"), pollId));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            TempDirectory.Delete(directory);
            TempDirectory.Delete(copy);
        }
    }
}
