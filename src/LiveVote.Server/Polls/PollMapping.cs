using LiveVote.Contracts;

namespace LiveVote.Server.Polls;

internal static class PollMapping
{
    public static PollDto ToDto(this Poll poll) => new(
        poll.Id,
        poll.Title,
        [.. poll.Options.Select(o => new PollOptionDto(o.Id, o.Label))],
        Poll.StatusName(poll.Status),
        poll.CreatedAt,
        poll.OpenedAt,
        poll.ClosedAt,
        poll.ShowResultsToViewers,
        poll.Frozen is not null,
        poll.Frozen?.At,
        Code: poll.Code,
        ResultsHidden: poll.ResultsHidden,
        ArchivedAt: poll.ArchivedAt);
}
