using LiveVote.Server.Polls;
using Microsoft.Extensions.DependencyInjection;

namespace LiveVote.Server.Tests.Infrastructure;

/// <summary>
/// Puts an open poll in a node's registry that its results have never counted: what a fleet node holds between learning
/// of a poll (just started, or a vote that asked the store) and its next shared-state refresh.
/// </summary>
public static class UncountedPoll
{
    public static Poll AddTo(LiveVoteServer server)
    {
        var poll = PollRules.Create("known-not-counted", "Who wins?", [("a", "A"), ("b", "B")], DateTimeOffset.UtcNow) with { Status = PollStatus.Open };
        server.Services.GetRequiredService<PollRegistry>().Set(poll);
        return poll;
    }
}
