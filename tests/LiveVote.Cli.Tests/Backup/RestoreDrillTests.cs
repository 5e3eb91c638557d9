using System.Collections.Concurrent;
using System.Net;
using LiveVote.Cli.CommandLine;
using LiveVote.Contracts;
using LiveVote.Cli.Loadgen;
using LiveVote.Cli.Tests.Infrastructure;
using LiveVote.Cli.Tests.Loadgen;
using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Cli.Tests.Backup;

/// <summary>
/// The restore drill of the embedded node: votes from concurrent clients, an online backup taken while they flow,
/// a restore into a fresh folder, <c>audit verify</c> on it, and a server started on the restored data that still
/// knows every vote acknowledged before the backup began.
/// </summary>
public sealed class RestoreDrillTests
{
    private const int Clients = 8;
    private const int Viewers = 1000;
    private const int AcknowledgedBeforeTheBackupStarts = 200;
    private const int AcknowledgedAfterTheBackupEnds = 100;

    [Fact]
    public async Task BackupDuringLoad_RestoredIntoAFreshFolder_VerifiesAndKeepsEveryVoteAcknowledgedBeforeTheBackup()
    {
        var drill = TempDirectory.Create("restore-drill");
        try
        {
            var backupFile = Path.Combine(drill, "backups", "livevote-drill.db");
            string pollId;
            RegisterViewerResponse[] viewers;
            Dictionary<int, string> acknowledgedBeforeBackup;
            int acknowledgedInTotal;
            await using (var server = new LiveVoteServer(LoadgenServerSettings.HighLimits()))
            {
                var admin = server.AdminClient();
                pollId = (await Api.CreateOpenPollAsync(admin, "a", "b", "c")).Id;
                viewers = await Api.RegisterManyAsync(admin, Viewers);

                // Every acknowledged vote: viewer index -> vote id, in the order the answers came.
                var acknowledged = new ConcurrentDictionary<int, string>();
                var next = -1;
                using var stop = new CancellationTokenSource();
                var load = Enumerable.Range(0, Clients).Select(_ => Task.Run(async () =>
                {
                    using var client = server.Client();
                    for (var i = Interlocked.Increment(ref next); i < viewers.Length && !stop.IsCancellationRequested; i = Interlocked.Increment(ref next))
                    {
                        using var answer = await Api.VoteWithRetryAsync(client, pollId, viewers[i].Token, "abc"[i % 3].ToString());
                        Assert.Equal(HttpStatusCode.Created, answer.StatusCode);
                        acknowledged[i] = (await Api.ReadVoteAsync(answer)).VoteId;
                    }
                })).ToArray();

                // Under way: some viewers have their answer. What is acknowledged now must be in the backup.
                while (acknowledged.Count < AcknowledgedBeforeTheBackupStarts && !load.Any(t => t.IsCompleted))
                {
                    await Task.Delay(10);
                }

                acknowledgedBeforeBackup = new Dictionary<int, string>(acknowledged);
                var backup = await CliRunner.RunAsync("backup", "--sqlite", server.DatabasePath, "--to", backupFile);
                var acknowledgedWhenBackupEnded = acknowledged.Count;
                Assert.True(backup.ExitCode == ExitCodes.Ok, backup.Output + backup.Error);

                // The load goes on after the backup (the drill is about a live database, not an idle one), then stops.
                while (acknowledged.Count < acknowledgedWhenBackupEnded + AcknowledgedAfterTheBackupEnds && !load.All(t => t.IsCompleted))
                {
                    await Task.Delay(10);
                }

                await stop.CancelAsync();
                await Task.WhenAll(load);
                acknowledgedInTotal = acknowledged.Count;
                Assert.True(acknowledgedBeforeBackup.Count >= AcknowledgedBeforeTheBackupStarts);
                Assert.True(acknowledgedInTotal >= acknowledgedWhenBackupEnded + AcknowledgedAfterTheBackupEnds, "votes were still being acknowledged after the backup");
            }

            // Restore into a fresh folder, as onto a new machine.
            var restoredFolder = Path.Combine(drill, "restored");
            var restoredDatabase = Path.Combine(restoredFolder, "livevote.db");
            var restore = await CliRunner.RunAsync("restore", "--from", backupFile, "--sqlite", restoredDatabase);
            Assert.True(restore.ExitCode == ExitCodes.Ok, restore.Output + restore.Error);

            // The independent recount holds on the restored file.
            var verify = await CliRunner.RunProcessAsync("audit", "verify", "--sqlite", restoredDatabase);
            Assert.True(verify.ExitCode == ExitCodes.Ok, verify.Output + verify.Error);

            // A server on the restored data serves them: every vote acknowledged before the backup is in its audit
            // trail under the vote id the client was given, in its results, and the voter's retry is recognised.
            await using var restored = new LiveVoteServer(LoadgenServerSettings.HighLimits(), dataDirectory: restoredFolder);
            var trail = await Api.AuditAsync(restored.Client(), pollId);
            var voteIds = trail.Where(e => e.Kind == "vote").Select(e => EndOfRunFacts.VoteId(e, null)).ToHashSet();
            Assert.All(acknowledgedBeforeBackup, vote => Assert.Contains(vote.Value, voteIds));
            Assert.InRange(voteIds.Count, acknowledgedBeforeBackup.Count, acknowledgedInTotal);

            var results = await Api.ResultsWhenAsync(restored.Client(), pollId, r => r.Total >= voteIds.Count);
            Assert.Equal(voteIds.Count, results.Total);
            foreach (var (viewer, voteId) in acknowledgedBeforeBackup.Take(50))
            {
                using var again = await Api.VoteAsync(restored.Client(), pollId, viewers[viewer].Token, "abc"[viewer % 3].ToString());
                Assert.Equal(HttpStatusCode.OK, again.StatusCode);
                Assert.Equal(voteId, (await Api.ReadVoteAsync(again)).VoteId);
            }
        }
        finally
        {
            TempDirectory.Delete(drill);
        }
    }
}
