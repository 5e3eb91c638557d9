using System.Globalization;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Hosting;

/// <summary>
/// The process's limit of open files (soft <c>RLIMIT_NOFILE</c>) against what the configured connection limits need.
/// Every connection is a descriptor; when they run out, accepting fails, SQLite cannot open its journal and outgoing
/// requests fail, in the middle of a show. So the server refuses to start below the need: the mistake is found when the
/// node is deployed, not when the audience arrives. (.NET raises the soft limit to the hard one as the process starts,
/// so the value read here is the hard limit the service manager granted.)
/// </summary>
internal static partial class FileDescriptorLimit
{
    /// <summary>
    /// Descriptors kept beside the connections: the store (SQLite's database, WAL and shared memory files per
    /// connection; or PostgreSQL connections, at most Npgsql's default pool of 100), outgoing HTTP (JWKS, CAPTCHA
    /// siteverify, OTLP), and the runtime's own (two per loaded assembly, pipes, epoll, the log): an idle server holds
    /// about 270 (measured, docs/design.md, 7.1), so 1,024 leaves room for a full pool and for connections being refused.
    /// </summary>
    public const int Reserve = 1024;

    public const string LimitsFile = "/proc/self/limits";

    /// <summary>Descriptors the server needs: public connections, management connections, <see cref="Reserve"/>.</summary>
    public static long Needed(int maxPerNode, int managementConnections, int reserve = Reserve) => (long)maxPerNode + managementConnections + reserve;

    /// <summary>The soft limit from <c>/proc/self/limits</c>'s "Max open files" line; null where there is none (not Linux).</summary>
    public static long? ReadSoftLimit(string path = LimitsFile)
    {
        try
        {
            return ParseSoftLimit(File.ReadAllText(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>"Max open files            20000                20000                files": the first number; "unlimited" is no limit.</summary>
    internal static long? ParseSoftLimit(string limits)
    {
        foreach (var line in limits.Split('\n'))
        {
            if (!line.StartsWith("Max open files", StringComparison.Ordinal))
            {
                continue;
            }

            var soft = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
            return soft == "unlimited" ? long.MaxValue
                : long.TryParse(soft, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value
                : null;
        }

        return null;
    }

    /// <summary>Why the server must not start with <paramref name="softLimit"/>, or null when it may.</summary>
    public static string? Shortfall(long softLimit, int maxPerNode, int managementConnections, int reserve = Reserve) =>
        softLimit >= Needed(maxPerNode, managementConnections, reserve)
            ? null
            : $"The process may open {softLimit} files (soft RLIMIT_NOFILE) but needs {Needed(maxPerNode, managementConnections, reserve)}: " +
              $"{ConnectionLimitOptions.Section}:MaxPerNode ({maxPerNode}) connections, {managementConnections} management connections " +
              $"and {reserve} for the store, outgoing requests and the runtime. " +
              "Raise the limit (systemd: LimitNOFILE=65536 in the unit; Docker: --ulimit nofile=65536; shell: ulimit -n 65536) " +
              $"or lower {ConnectionLimitOptions.Section}:MaxPerNode.";

    /// <summary>Checks the limit before the server listens; refuses to start below the need.</summary>
    internal sealed partial class Check(IOptions<ConnectionLimitOptions> limits, ManagementListeners management, ILogger<Check> logger) : IHostedService, IStartupCheck
    {
        /// <summary>Where the limits are read: tests point it at a file of their own.</summary>
        internal string LimitsPath { get; init; } = LimitsFile;

        private bool _verified;

        public Task StartAsync(CancellationToken cancellationToken)
        {
            // Program.cs's CheckConfiguration already verified before the host started: once is enough (and logs once).
            if (!_verified)
            {
                Verify();
            }

            return Task.CompletedTask;
        }

        /// <summary>Reads the limit and refuses below the need, naming the key that asks for the connections.</summary>
        public void Verify()
        {
            var maxPerNode = limits.Value.MaxPerNode;
            var managementConnections = management.Enabled ? ManagementListeners.MaxConnections : 0;
            var reserve = limits.Value.ReservedDescriptors;
            var needed = Needed(maxPerNode, managementConnections, reserve);
            if (ReadSoftLimit(LimitsPath) is not { } soft)
            {
                LogNotChecked(logger, LimitsPath, needed);
                _verified = true;
                return;
            }

            if (Shortfall(soft, maxPerNode, managementConnections, reserve) is { } shortfall)
            {
                throw new BadConfigurationException($"{ConnectionLimitOptions.Section}:MaxPerNode", shortfall);
            }

            LogChecked(logger, soft, needed);
            _verified = true;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        [LoggerMessage(Level = LogLevel.Information, Message = "Open files: the limit is {Limit}, the configured connections need {Needed}.")]
        private static partial void LogChecked(ILogger logger, long limit, long needed);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Open files: no limit found in {Path}, not checked; the configured connections need {Needed}.")]
        private static partial void LogNotChecked(ILogger logger, string path, long needed);
    }
}
