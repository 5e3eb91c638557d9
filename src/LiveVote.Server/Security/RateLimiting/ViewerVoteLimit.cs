using System.Globalization;
using LiveVote.Contracts;
using LiveVote.Server.Hosting;
using LiveVote.Server.Security.Admin;
using LiveVote.Server.Security.Risk;
using LiveVote.Server.Security.Tokens;
using LiveVote.Server.Telemetry;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Security.RateLimiting;

/// <summary>
/// Votes per viewer (<c>LiveVote:RateLimits:VotePerViewer</c>), keyed on the validated viewer id. The Authorization
/// text is no key: one token written as <c>bearer</c>, <c>BEARER</c> or with extra spaces (or a base64url variant of the
/// same bytes) would get a fresh bucket each time. So the vote endpoint takes the token here once it has validated it,
/// before anything else of the vote is looked at; the network and host buckets stay in <see cref="RequestLimiter"/>,
/// ahead of the endpoint. Verified admin-key requests (back ends relaying votes) are not limited per viewer.
/// </summary>
internal sealed class ViewerVoteLimit : IDisposable
{
    private readonly bool _enabled;
    private readonly TokenBuckets _buckets;

    public ViewerVoteLimit(IOptions<RateLimitOptions> options, TimeProvider time)
    {
        _enabled = options.Value.Enabled;
        _buckets = new TokenBuckets([options.Value.VotePerViewer], time);
    }

    /// <summary>Null when the viewer may vote now; else the 429 <c>rate-limited</c> answer with Retry-After.</summary>
    public ProblemHttpResult? TryTake(HttpContext context, string viewerId) => TryTake(context, new TokenViewerId(viewerId));

    /// <summary>
    /// As <see cref="TryTake(HttpContext, string)"/>, for a validated token's viewer. The bucket is keyed on the id's
    /// UTF-8 bytes, which one of our tokens holds in place: no string per vote.
    /// </summary>
    public ProblemHttpResult? TryTake(HttpContext context, in TokenViewerId viewerId)
    {
        if (!_enabled || AdminKey.IsVerified(context))
        {
            return null;
        }

        Span<byte> scratch = stackalloc byte[256];
        if (_buckets.TryTake(0, KeyHasher.Hash(viewerId.Utf8(scratch), (ulong)LimitName.VotePerViewer), out var retryAfter))
        {
            return null;
        }

        var name = RateLimitRejections.Name(LimitName.VotePerViewer);
        LiveVoteTelemetry.RateLimited(name);
        LiveVoteTelemetry.VoteRefused(ErrorCodes.RateLimited);
        context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        var problem = Problems.Create(StatusCodes.Status429TooManyRequests, ErrorCodes.RateLimited, "Too many requests.",
            "Too many votes from this viewer; send the same vote again after Retry-After seconds.");
        problem.ProblemDetails.Extensions["limit"] = name;
        return problem;
    }

    public void Dispose() => _buckets.Dispose();
}
