using LiveVote.Contracts;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LiveVote.Server.Hosting.Health;

/// <summary>
/// <c>/readyz</c>'s answer from the health report of the <see cref="HealthSetup.ReadyTag"/> checks: 503
/// <c>draining</c> while the node shuts down; else 200 <c>ready</c> unless a check is unhealthy (degraded, e.g. no
/// synchronous standby, stays ready and says so), 503 <c>not-ready</c> otherwise. The detail is the store's (each
/// partition's state, as before), followed by what any other unhealthy check says that the store's does not.
/// </summary>
internal static class ReadinessReport
{
    public static (bool Ready, HealthDto Health) From(HealthReport report, IReadOnlyList<StoreStateDto> partitions)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (report.Entries.TryGetValue(DrainingHealthCheck.Name, out var draining) && draining.Status == HealthStatus.Unhealthy)
        {
            return (false, new HealthDto("draining", draining.Description, partitions[0], partitions));
        }

        var detail = report.Entries.TryGetValue(StoreHealthCheck.Name, out var store) ? StoreDetail(store) : null;
        foreach (var (name, entry) in report.Entries.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            if (name == StoreHealthCheck.Name || entry.Status != HealthStatus.Unhealthy)
            {
                continue;
            }

            var said = entry.Description ?? entry.Exception?.Message ?? "unhealthy";
            if (detail is null || !detail.Contains(said, StringComparison.Ordinal))
            {
                detail = detail is null ? $"{name}: {said}" : $"{detail}; {name}: {said}";
            }
        }

        var ready = report.Status != HealthStatus.Unhealthy;
        return (ready, new HealthDto(ready ? "ready" : "not-ready", detail, partitions[0], partitions));
    }

    /// <summary>The store check's detail; a check that threw (a bug, not a state) is named as such.</summary>
    private static string? StoreDetail(HealthReportEntry store) =>
        store.Exception is { } e ? $"store check failed: {e.Message}" : store.Description;
}
