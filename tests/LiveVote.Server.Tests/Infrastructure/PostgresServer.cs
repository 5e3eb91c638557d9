using System.Diagnostics;
using System.Net;

namespace LiveVote.Server.Tests.Infrastructure;

/// <summary>
/// A throwaway PostgreSQL cluster from the system's binaries (Debian's <c>postgresql</c> package): initdb into a temp
/// folder, started on a free loopback port with fsync and synchronous commit on (the defaults), removed on dispose.
/// PostgreSQL refuses to run as root, so as root the cluster runs as the <c>postgres</c> user.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private PostgresServer(string directory, int port)
    {
        Directory = directory;
        Port = port;
    }

    public string Directory { get; }

    public int Port { get; }

    public string DataDirectory => Path.Combine(Directory, "data");

    public string ConnectionString(string database = "livevote") =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Pooling=true;Maximum Pool Size=20;GSS Encryption Mode=Disable";

    public static string BinDirectory =>
        System.IO.Directory.Exists("/usr/lib/postgresql")
            ? System.IO.Directory.GetDirectories("/usr/lib/postgresql").OrderByDescending(d => d, StringComparer.Ordinal)
                .Select(d => Path.Combine(d, "bin")).FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")))
              ?? throw new InvalidOperationException("PostgreSQL is not installed: ./test.sh installs Debian's postgresql.")
            : throw new InvalidOperationException("PostgreSQL is not installed: ./test.sh installs Debian's postgresql.");

    /// <summary>
    /// Creates and starts the cluster; <paramref name="settings"/> (e.g. the WAL archive's) are appended to its
    /// postgresql.conf before the first start, each value quoted as postgresql.conf quotes strings.
    /// </summary>
    public static async Task<PostgresServer> StartAsync(IReadOnlyDictionary<string, string>? settings = null)
    {
        var directory = TempDirectory.Create("livevote-pg");
        var port = FreePorts.Tcp();
        var server = new PostgresServer(directory, port);
        try
        {
            RunAsOwner("chown", $"-R postgres:postgres {directory}", asRoot: true);
            await server.RunAsync("initdb", $"-D {server.DataDirectory} -U postgres -A trust -E UTF8 --no-locale");
            if (settings is not null)
            {
                await File.AppendAllLinesAsync(Path.Combine(server.DataDirectory, "postgresql.conf"),
                    settings.Select(setting => $"{setting.Key} = '{setting.Value.Replace("'", "''", StringComparison.Ordinal)}'"));
            }

            await server.RunAsync("pg_ctl",
                $"-D {server.DataDirectory} -l {Path.Combine(directory, "log")} -w -t 60 -o \"-p {port} -c listen_addresses=127.0.0.1 -k {directory} -c max_connections=200\" start");
            await server.RunAsync("psql", $"-h 127.0.0.1 -p {port} -U postgres -c \"CREATE DATABASE livevote\"");
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
        {
            try
            {
                await RunAsync("pg_ctl", $"-D {DataDirectory} -m immediate -w stop");
            }
            catch (InvalidOperationException)
            {
                // Already gone: nothing to stop.
            }
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task RunAsync(string tool, string arguments)
    {
        var path = Path.Combine(BinDirectory, tool);
        var (file, args) = Environment.UserName == "root"
            ? ("runuser", $"-u postgres -- {path} {arguments}")
            : (path, arguments);
        var start = new ProcessStartInfo(file, args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Directory,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} {arguments} failed ({process.ExitCode}): {await output}{await error}");
        }
    }

    private static void RunAsOwner(string file, string arguments, bool asRoot)
    {
        if (!asRoot || Environment.UserName != "root")
        {
            return;
        }

        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardError = true })!;
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {arguments} failed: {process.StandardError.ReadToEnd()}");
        }
    }
}
