using System.Net;
using LiveVote.Contracts;
using LiveVote.Server.Polls;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LiveVote.Server.Tests.Votes;

/// <summary>
/// When the store cannot say whether a poll the node does not know exists (a fleet's store down), the vote is answered
/// 503 with Retry-After, never a 404 that clients take as final, and never a 500.
/// </summary>
public sealed class PollLookupFailureTests
{
    [Fact]
    public async Task Vote_ForAPollTheNodeDoesNotKnow_WhileTheStoreCannotBeAsked_Is503WithRetryAfter()
    {
        await using var server = new LiveVoteServer(configureServices: services =>
        {
            services.RemoveAll<IPollLookup>();
            services.AddSingleton<IPollLookup, UnreachableStoreLookup>();
        });
        var viewer = await Api.RegisterAsync(server.AdminClient());

        var response = await Api.VoteAsync(server.Client(), "opened-elsewhere", viewer.Token, "a");

        await ProblemAssert.IsAsync(response, HttpStatusCode.ServiceUnavailable, ErrorCodes.StoreUnavailable);
        Assert.True(response.Headers.RetryAfter is not null);
    }

    private sealed class UnreachableStoreLookup : IPollLookup
    {
        public ValueTask<Poll?> RefreshAsync(string pollId, CancellationToken cancellationToken) =>
            ValueTask.FromException<Poll?>(new TimeoutException("The store did not answer."));
    }
}
