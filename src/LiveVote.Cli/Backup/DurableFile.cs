using System.Runtime.InteropServices;
using System.Text;

namespace LiveVote.Cli.Backup;

/// <summary>
/// Puts a finished file in place so that a crash leaves either no file or the whole file under the final name: the
/// data is fsynced under a temporary name in the same folder, renamed without replacing anything, then the folder is
/// fsynced so the rename itself survives a power cut.
/// </summary>
internal static partial class DurableFile
{
    private const int ReadOnly = 0;

    /// <summary>A temporary name beside <paramref name="finalPath"/> (same folder, so the rename never crosses file systems).</summary>
    public static string TemporaryNameFor(string finalPath) =>
        Path.Combine(Path.GetDirectoryName(finalPath)!, $".{Path.GetFileName(finalPath)}.{Guid.NewGuid():N}.partial");

    public static void Fsync(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>
    /// fsyncs <paramref name="temporaryPath"/>, renames it to <paramref name="finalPath"/> (throws <see cref="IOException"/>
    /// when that exists: nothing is ever overwritten) and fsyncs the folder.
    /// </summary>
    public static void Publish(string temporaryPath, string finalPath)
    {
        Fsync(temporaryPath);
        File.Move(temporaryPath, finalPath, overwrite: false);
        FsyncDirectory(Path.GetDirectoryName(finalPath)!);
    }

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="finalPath"/> as <see cref="Publish"/> does, readable by the owner only.</summary>
    public static void WriteSecret(string finalPath, byte[] bytes)
    {
        var temporary = TemporaryNameFor(finalPath);
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var stream = new FileStream(temporary, options))
            {
                stream.Write(bytes);
            }

            Publish(temporary, finalPath);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private static void FsyncDirectory(string directory)
    {
        // .NET opens no folders as streams; open(2) + fsync(2) directly. Windows has no such thing to do.
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var fd = Open(Encoding.UTF8.GetBytes(directory + "\0"), ReadOnly);
        if (fd < 0)
        {
            throw new IOException($"Cannot open folder {directory} to fsync it (errno {Marshal.GetLastPInvokeError()}).");
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"fsync of folder {directory} failed (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true)]
    private static partial int Open(byte[] path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
