using System.Diagnostics;
using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Server.Tests.Deploy;

/// <summary>
/// patroni.yml's <c>archive_command</c> (read from the file, its folder filled in) run as PostgreSQL runs it: <c>%p</c>
/// and <c>%f</c> replaced, through <c>/bin/sh -c</c> in the data directory. A new file is archived with its content and
/// no temp file left; the same file archived again succeeds; a different file under an archived name fails and leaves
/// the archived one as it was.
/// </summary>
public sealed class WalArchiveCommandTests : IDisposable
{
    private const string Segment = "000000010000000000000007";
    private readonly string _directory = TempDirectory.Create("livevote-archive-command");

    private string DataDirectory => Path.Combine(_directory, "data");

    private string Archive => Path.Combine(_directory, "wal-archive");

    public void Dispose() => TempDirectory.Delete(_directory);

    [Fact]
    public async Task ArchiveCommand_ArchivesOnce_AcceptsTheSameFileAgain_RefusesADifferentOne()
    {
        Directory.CreateDirectory(Path.Combine(DataDirectory, "pg_wal"));
        Directory.CreateDirectory(Archive);
        var command = (await WalArchive.SettingsAsync(Archive))["archive_command"];
        var original = Enumerable.Range(0, 4096).Select(i => (byte)i).ToArray();
        await File.WriteAllBytesAsync(Path.Combine(DataDirectory, "pg_wal", Segment), original);

        Assert.Equal(0, await ArchiveAsync(command));
        Assert.Equal(original, await File.ReadAllBytesAsync(Path.Combine(Archive, Segment)));
        Assert.Equal([Segment], Directory.GetFiles(Archive).Select(Path.GetFileName));

        // Archived again (a retry after a crash): success, nothing changes.
        Assert.Equal(0, await ArchiveAsync(command));
        Assert.Equal([Segment], Directory.GetFiles(Archive).Select(Path.GetFileName));

        // Another file under that name: refused, the archived one kept, no temp file left.
        var other = original.Select(b => (byte)(b ^ 0xff)).ToArray();
        await File.WriteAllBytesAsync(Path.Combine(DataDirectory, "pg_wal", Segment), other);
        Assert.NotEqual(0, await ArchiveAsync(command));
        Assert.Equal(original, await File.ReadAllBytesAsync(Path.Combine(Archive, Segment)));
        Assert.Equal([Segment], Directory.GetFiles(Archive).Select(Path.GetFileName));
    }

    /// <summary>Runs the command as PostgreSQL's archiver does: %p relative to the data directory, %f the file name.</summary>
    private async Task<int> ArchiveAsync(string command)
    {
        var line = command.Replace("%p", $"pg_wal/{Segment}", StringComparison.Ordinal).Replace("%f", Segment, StringComparison.Ordinal);
        var result = await ToolRun.RunAsync(new ProcessStartInfo("/bin/sh", ["-c", line]) { WorkingDirectory = DataDirectory });
        return result.ExitCode;
    }
}
