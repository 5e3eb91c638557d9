using System.Net;
using LiveVote.Server.Security.RateLimiting;
using LiveVote.Server.Security.Tokens;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace LiveVote.Server.Tests.Security.RateLimiting;

/// <summary>The per-viewer vote bucket is the viewer's, however the validated token held its id.</summary>
public sealed class ViewerVoteLimitTests
{
    [Fact]
    public void OneViewer_HeldAsBytesOrText_DrawsFromOneBucket_AndAnotherViewerFromItsOwn()
    {
        using var limit = new ViewerVoteLimit(Options.Create(new RateLimitOptions
        {
            VotePerViewer = new TokenBucketLimit { TokenLimit = 2, TokensPerPeriod = 1, Period = TimeSpan.FromMinutes(1) },
        }), new FakeTimeProvider());
        Assert.True(TokenViewerId.TryFromUtf8("viewer-1"u8, out var fromToken));

        Assert.Null(limit.TryTake(new DefaultHttpContext(), fromToken));
        Assert.Null(limit.TryTake(new DefaultHttpContext(), "viewer-1"));
        var context = new DefaultHttpContext();
        var refused = limit.TryTake(context, new TokenViewerId("viewer-1"));

        Assert.NotNull(refused);
        Assert.Equal((int)HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("60", context.Response.Headers.RetryAfter.ToString());
        Assert.Null(limit.TryTake(new DefaultHttpContext(), "viewer-2"));
    }
}
