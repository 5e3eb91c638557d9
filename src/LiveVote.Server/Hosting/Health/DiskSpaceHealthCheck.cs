using System.Globalization;
using LiveVote.Server.Storage;
using LiveVote.Server.Storage.Sqlite;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Hosting.Health;

/// <summary>
/// The disk of the node's data has at least <see cref="HealthOptions.MinFreeDiskMiB"/> free; below: unhealthy, with
/// the folder and both figures.
/// </summary>
internal sealed class DiskSpaceHealthCheck(IOptions<HealthOptions> options, DataFolder folder, Func<string, long> freeBytes) : IHealthCheck
{
    public const string Name = "disk";

    [ActivatorUtilitiesConstructor]
    public DiskSpaceHealthCheck(IOptions<HealthOptions> options, DataFolder folder)
        : this(options, folder, FreeBytes)
    {
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var minMiB = options.Value.MinFreeDiskMiB;
        if (minMiB == 0)
        {
            return Task.FromResult(HealthCheckResult.Healthy("off"));
        }

        var freeMiB = freeBytes(folder.Path) / (1024 * 1024);
        var figures = string.Create(CultureInfo.InvariantCulture, $"{freeMiB} MiB free on the disk of {folder.Path}, {minMiB} MiB required");
        return Task.FromResult(freeMiB < minMiB ? HealthCheckResult.Unhealthy(figures) : HealthCheckResult.Healthy(figures));
    }

    /// <summary>
    /// statvfs of the folder (DriveInfo takes any path on Unix): what the process may still write there. A folder not
    /// made yet (a PostgreSQL node with configured secrets writes nothing) is on its nearest existing parent's disk.
    /// </summary>
    private static long FreeBytes(string path)
    {
        var existing = new DirectoryInfo(path);
        while (!existing.Exists && existing.Parent is { } parent)
        {
            existing = parent;
        }

        return new DriveInfo(existing.FullName).AvailableFreeSpace;
    }
}

/// <summary>The folder whose disk the node writes to: the SQLite file's folder with SQLite, else <c>LiveVote:DataDirectory</c>.</summary>
internal sealed record DataFolder(string Path)
{
    public static DataFolder From(StorageOptions storage, SqliteOptions sqlite) =>
        new(System.IO.Path.GetFullPath(storage.Storage == StorageKind.Sqlite && sqlite.Path is { Length: > 0 } file
            ? System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(file))!
            : storage.DataDirectory));
}
