using LiveVote.Server.Security.RateLimiting;
using LiveVote.Server.Telemetry;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Security.Admin;

/// <summary>
/// How many admin action log lines (<c>LiveVote.Server.Admin</c>) requests with a wrong admin key may write: at most
/// <see cref="RateLimitOptions.AdminRefusalLogLinesPerMinute"/> in any minute. Those lines are about who tried what,
/// but anyone can send wrong keys, so without a cap unauthenticated input would grow the log without bound. Lines of
/// verified admins are never capped: they are the producer's own actions. What the cap leaves out is counted
/// (<c>livevote.admin.log.suppressed</c>), as are all wrong keys (<c>livevote.admin.key.failures</c>).
/// </summary>
internal sealed class RefusedAdminLogQuota(IOptions<RateLimitOptions> options, TimeProvider time)
{
    private readonly SlidingWindowQuota _quota = new(options.Value.AdminRefusalLogLinesPerMinute, TimeSpan.FromMinutes(1), time);

    public bool TryTake()
    {
        if (_quota.TryTake(out _))
        {
            return true;
        }

        LiveVoteTelemetry.AdminLogLineSuppressed();
        return false;
    }
}
