using System.Diagnostics.Metrics;

namespace LiveVote.Server.Security.Admin;

/// <summary>
/// What the caps on unauthenticated admin-key noise left out (<see cref="AdminLockoutNotes"/>, <see cref="RefusedAdminLogQuota"/>),
/// on the server's meter name: the audit trail and the log stay bounded, and the dashboard still sees how much was
/// left out.
/// </summary>
internal static class AdminMetrics
{
    private static readonly Meter Meter = Telemetry.Metrics.Meter; // The one Meter of the server: instruments may live beside their feature.

    private static readonly Counter<long> LockoutNotesSuppressed = Meter.CreateCounter<long>(
        "livevote.admin.lockout.notes.suppressed", "{note}",
        "Admin lockouts not written to the audit trail because the hourly cap of admin-lockout entries was reached (the lockout itself still holds).");

    private static readonly Counter<long> RefusedLogLinesSuppressed = Meter.CreateCounter<long>(
        "livevote.admin.log.suppressed", "{line}",
        "Admin action log lines of requests with a wrong admin key not written because the per-minute cap was reached.");

    public static void LockoutNoteSuppressed() => LockoutNotesSuppressed.Add(1);

    public static void RefusedLogLineSuppressed() => RefusedLogLinesSuppressed.Add(1);
}
