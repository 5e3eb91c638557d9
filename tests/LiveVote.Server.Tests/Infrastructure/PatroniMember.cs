using System.Globalization;

namespace LiveVote.Server.Tests.Infrastructure;

/// <summary>One PostgreSQL member managed by Patroni, named after its zone: its ports, folders and running processes.</summary>
public sealed class PatroniMember(ZoneHost zone, string directory, int restPort, int postgresPort)
{
    public ZoneHost Zone { get; } = zone;

    /// <summary>The zone name: Patroni's member name and the standby's application_name.</summary>
    public string Name => Zone.Name;

    public int RestPort { get; } = restPort;

    public int PostgresPort { get; } = postgresPort;

    public string Directory { get; } = Path.Combine(directory, zone.Name);

    public string DataDirectory => Path.Combine(Directory, "data");

    public string ConfigPath => Path.Combine(Directory, "patroni.yml");

    public string LogPath => Path.Combine(Directory, "patroni.log");

    public Uri RestUrl => new($"http://{Zone.Address}:{RestPort}/");

    /// <summary>The running Patroni daemon (null once killed and not restarted).</summary>
    public ZoneProcess? Patroni { get; internal set; }

    /// <summary>The postmaster's pid from postmaster.pid (it outlives a crash: check <see cref="ZoneProcess.IsAlive"/>).</summary>
    public int? PostmasterPid
    {
        get
        {
            try
            {
                var first = File.ReadLines(Path.Combine(DataDirectory, "postmaster.pid")).FirstOrDefault();
                return int.TryParse(first, NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) ? pid : null;
            }
            catch (IOException)
            {
                return null;
            }
        }
    }

    /// <summary>The newest PostgreSQL log file (logging_collector writes into data/log).</summary>
    public string? PostgresLogPath
    {
        get
        {
            var log = Path.Combine(DataDirectory, "log");
            return System.IO.Directory.Exists(log)
                ? System.IO.Directory.GetFiles(log).OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault()
                : null;
        }
    }

    public override string ToString() => $"{Name} (postgres {Zone.Address}:{PostgresPort}, rest {RestPort})";
}
