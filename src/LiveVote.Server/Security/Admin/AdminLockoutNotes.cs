using LiveVote.Server.Audit;
using LiveVote.Server.Security.Evidence;
using LiveVote.Server.Security.RateLimiting;
using LiveVote.Server.Security.Risk;
using LiveVote.Server.Storage;
using LiveVote.Server.Telemetry;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Security.Admin;

/// <summary>
/// Writes admin lockouts to the audit trail, boundedly. Anyone can send wrong keys, so without a cap unauthenticated
/// input would grow the public, append-only trail: each network adds at most one entry per lockout (it cannot be
/// locked out again while locked out, so entries of one network are at least <see cref="RateLimitOptions.AdminLockout"/>
/// apart), but an attacker holding many networks (an IPv6 /32 holds 65,536 /48s) could add them without end. So at
/// most <see cref="RateLimitOptions.AdminLockoutNotesPerHour"/> entries in any hour, whatever the number of networks;
/// a lockout over the cap still holds and is counted (<c>livevote.admin.lockouts</c>,
/// <c>livevote.admin.lockout.notes.suppressed</c>), and the next entry written carries how many were left out
/// (<c>suppressed</c>), so the trail still says how many lockouts there were. The network itself is not public: it goes
/// to the restricted evidence store, which the entry names (the same cap bounds that store).
/// </summary>
internal sealed class AdminLockoutNotes(AuditNotes notes, RiskEvidenceRecorder evidence, IOptions<RateLimitOptions> options, TimeProvider time)
{
    private readonly SlidingWindowQuota _quota = new(options.Value.AdminLockoutNotesPerHour, TimeSpan.FromHours(1), time);

    public void Write(LockoutStep step, string network)
    {
        if (!_quota.TryTake(out var suppressed))
        {
            LiveVoteTelemetry.AdminLockoutNoteSuppressed();
            return;
        }

        var reference = evidence.Record(AuditKinds.AdminLockout, "admin-lockout", null, null, network, AuditNoteData.LockoutDetail(step.Failures));
        notes.Post(new AuditNote(AuditKinds.AdminLockout, null, null, AuditNoteData.AdminLockout(step.Failures, step.Lockout, reference, suppressed)));
    }
}
