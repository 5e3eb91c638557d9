using LiveVote.Cli.Audit.Postgres;

namespace LiveVote.Cli.Audit.Fleet;

/// <summary>
/// How one cluster of a fleet is judged: like any PostgreSQL store (<see cref="ClockOrderJudgement"/>), except that a
/// freeze is not held to this cluster's votes. The node freezes one count, taken from its totals summed over the
/// clusters, into every cluster the poll is spread over, so only the fleet's votes bound it (<see cref="FleetFreezeCheck"/>).
/// </summary>
internal sealed class FleetMemberJudgement : VoteJudgement
{
    private readonly ClockOrderJudgement _clock = new();

    public override string CastSuffix => _clock.CastSuffix;

    public override bool ExistedAt(StoredEntry entry, PollRecount poll, ProblemLog problems) => _clock.ExistedAt(entry, poll, problems);

    public override void CheckOpenAt(StoredEntry vote, PollRecount poll, ProblemLog problems) => _clock.CheckOpenAt(vote, poll, problems);

    /// <summary>No bound here: the fleet's recount is the bound, checked once every cluster is recounted.</summary>
    public override IReadOnlyList<long> CastFor(PollFreeze freeze, PollRecount poll) => [.. poll.Counts.Select(_ => long.MaxValue)];
}
