using System.Net;
using LiveVote.Cli.Audit;
using LiveVote.Cli.CommandLine;
using LiveVote.Cli.Tests.Infrastructure;
using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Cli.Tests.Backup;

/// <summary><c>backup</c> and <c>restore</c> against a real server's SQLite file (the drill under load is <see cref="RestoreDrillTests"/>).</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class BackupCommandTests : IDisposable
{
    private readonly string _folder = TempDirectory.Create("backup-test");

    public void Dispose() => TempDirectory.Delete(_folder);

    [Fact]
    public async Task Backup_WhileTheServerRuns_WritesOneCheckedSelfContainedFileWithEveryVote()
    {
        await using var server = new LiveVoteServer();
        await VoteAsync(server, "a", "b", "b");
        var target = Path.Combine(_folder, "nested", "livevote.backup.db");

        var result = await CliRunner.RunAsync("backup", "--sqlite", server.DatabasePath, "--to", target);

        Assert.True(result.ExitCode == ExitCodes.Ok, result.Output + result.Error);
        Assert.StartsWith($"OK: {target} (", result.Output, StringComparison.Ordinal);
        Assert.Contains("integrity_check ok", result.Output, StringComparison.Ordinal);

        // One file: no -wal or -shm to carry along, and no temporary file left behind.
        Assert.Equal(["livevote.backup.db"], Directory.GetFiles(Path.GetDirectoryName(target)!).Select(Path.GetFileName));

        // Rollback-journal mode in the header (bytes 18/19 are 2 in WAL mode): readable on read-only media.
        var header = new byte[20];
        await using (var file = File.OpenRead(target))
        {
            await file.ReadExactlyAsync(header);
        }

        Assert.Equal(1, header[18]);
        Assert.Equal(1, header[19]);

        var report = AuditVerifier.Verify(target);
        Assert.True(report.Ok, string.Join("\n", report.Problems));
        Assert.Equal(["a=1", "b=2"], Assert.Single(report.Polls).Options.Select(o => $"{o.Id}={o.Votes}"));
    }

    [Fact]
    public async Task Backup_TargetExists_RefusesAndLeavesItUntouched()
    {
        await using var server = new LiveVoteServer();
        var target = Path.Combine(_folder, "taken.db");
        await File.WriteAllTextAsync(target, "someone else's file");

        var result = await CliRunner.RunAsync("backup", "--sqlite", server.DatabasePath, "--to", target);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.StartsWith($"{target} exists; refusing to overwrite it.", result.Error, StringComparison.Ordinal);
        Assert.Equal("someone else's file", await File.ReadAllTextAsync(target));
        Assert.Single(Directory.GetFiles(_folder));
    }

    [Fact]
    public async Task Backup_MissingDatabase_ExitsThree()
    {
        var result = await CliRunner.RunAsync("backup", "--sqlite", Path.Combine(_folder, "absent.db"), "--to", Path.Combine(_folder, "b.db"));

        Assert.Equal(ExitCodes.Unreachable, result.ExitCode);
        Assert.Contains("No such file", result.Error, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_folder));
    }

    [Fact]
    public async Task Backup_NotADatabase_ExitsThreeAndWritesNothing()
    {
        var junk = Path.Combine(_folder, "junk.db");
        await File.WriteAllTextAsync(junk, "this is not a SQLite database, just some text that is long enough to be read as a header");

        var result = await CliRunner.RunAsync("backup", "--sqlite", junk, "--to", Path.Combine(_folder, "b.db"));

        Assert.Equal(ExitCodes.Unreachable, result.ExitCode);
        Assert.Equal(["junk.db"], Directory.GetFiles(_folder).Select(Path.GetFileName));
    }

    [Fact]
    public async Task BackupAndRestore_SecretsBesideTheDatabase_TravelWithTheBackupReadableByTheOwnerOnly()
    {
        await using var server = new LiveVoteServer();
        await File.WriteAllTextAsync(Path.Combine(server.DataDirectory, "secrets.json"), """{"AdminKey":"generated"}""");
        var target = Path.Combine(_folder, "b.db");

        var backup = await CliRunner.RunAsync("backup", "--sqlite", server.DatabasePath, "--to", target);

        Assert.True(backup.ExitCode == ExitCodes.Ok, backup.Output + backup.Error);
        Assert.Equal("""{"AdminKey":"generated"}""", await File.ReadAllTextAsync(target + ".secrets.json"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(target + ".secrets.json"));

        var restoredDatabase = Path.Combine(_folder, "restored", "livevote.db");
        var restore = await CliRunner.RunAsync("restore", "--from", target, "--sqlite", restoredDatabase);

        Assert.True(restore.ExitCode == ExitCodes.Ok, restore.Output + restore.Error);
        var restoredSecrets = Path.Combine(_folder, "restored", "secrets.json");
        Assert.Equal("""{"AdminKey":"generated"}""", await File.ReadAllTextAsync(restoredSecrets));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(restoredSecrets));
    }

    [Fact]
    public async Task Restore_OverAnExistingDatabase_Refuses()
    {
        var backup = await BackupOfAVotedServerAsync();
        var target = Path.Combine(_folder, "existing", "livevote.db");
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        await File.WriteAllTextAsync(target + "-wal", "a leftover WAL of another database");

        var result = await CliRunner.RunAsync("restore", "--from", backup, "--sqlite", target);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("-wal exists; restore only into a place with no database", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(target));
    }

    [Fact]
    public async Task Restore_WhileAServerHoldsTheLock_RefusesAndWritesNothing()
    {
        var backup = await BackupOfAVotedServerAsync();
        var target = Path.Combine(_folder, "busy", "livevote.db");
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);

        // Held the way the server holds it (SqliteVoteStore.AcquireLock).
        using (new FileStream(target + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            var result = await CliRunner.RunAsync("restore", "--from", backup, "--sqlite", target);

            Assert.Equal(ExitCodes.Usage, result.ExitCode);
            Assert.StartsWith($"A LiveVote server holds {target}.lock", result.Error, StringComparison.Ordinal);
        }

        Assert.Equal(["livevote.db.lock"], Directory.GetFiles(Path.GetDirectoryName(target)!).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Restore_MissingBackup_ExitsThree()
    {
        var result = await CliRunner.RunAsync("restore", "--from", Path.Combine(_folder, "absent.db"), "--sqlite", Path.Combine(_folder, "r", "livevote.db"));

        Assert.Equal(ExitCodes.Unreachable, result.ExitCode);
        Assert.False(Directory.Exists(Path.Combine(_folder, "r")));
    }

    [Fact]
    public async Task Restore_DamagedBackup_FailsTheIntegrityCheckAndRestoresNothing()
    {
        var backup = await BackupOfAVotedServerAsync();

        // Zero a page in the middle of the file: the header still says SQLite, the b-tree no longer holds together.
        var bytes = await File.ReadAllBytesAsync(backup);
        var pageSize = (bytes[16] << 8) | bytes[17];
        Assert.True(bytes.Length >= 4 * pageSize, "the backup has at least four pages");
        Array.Fill(bytes, (byte)0xA5, 2 * pageSize, pageSize);
        await File.WriteAllBytesAsync(backup, bytes);
        var target = Path.Combine(_folder, "damaged", "livevote.db");

        var result = await CliRunner.RunAsync("restore", "--from", backup, "--sqlite", target);

        Assert.NotEqual(ExitCodes.Ok, result.ExitCode);
        Assert.Contains(result.ExitCode, new[] { ExitCodes.Failed, ExitCodes.Unreachable });
        Assert.False(File.Exists(target));
    }

    private async Task<string> BackupOfAVotedServerAsync()
    {
        await using var server = new LiveVoteServer();
        await VoteAsync(server, "a", "b");
        var target = Path.Combine(_folder, $"{Guid.NewGuid():N}.db");
        var result = await CliRunner.RunAsync("backup", "--sqlite", server.DatabasePath, "--to", target);
        Assert.True(result.ExitCode == ExitCodes.Ok, result.Output + result.Error);
        return target;
    }

    private static async Task VoteAsync(LiveVoteServer server, params string[] options)
    {
        var admin = server.AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin, "a", "b");
        foreach (var option in options)
        {
            var viewer = await Api.RegisterAsync(admin);
            Assert.Equal(HttpStatusCode.Created, (await Api.VoteAsync(server.Client(), poll.Id, viewer.Token, option)).StatusCode);
        }
    }
}
