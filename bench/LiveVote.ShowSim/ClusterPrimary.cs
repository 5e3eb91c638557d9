namespace LiveVote.ShowSim;

/// <summary>
/// One cluster's primary as a group-commit server: a commit of n votes takes the primary's capacity for
/// n x per-vote cost (first come, first served across all nodes' writers), then the fixed cost (round trips, fsync,
/// the synchronous standby) which overlaps with other commits. While the cluster fails over, no commit succeeds.
/// </summary>
internal sealed class ClusterPrimary(SimSettings settings, bool failsOver)
{
    private readonly double _outageStart = settings.FailoverAtSeconds;
    private readonly double _outageEnd = settings.FailoverAtSeconds + settings.FailoverSeconds;
    private double _busyUntil;

    /// <summary>
    /// When a commit of <paramref name="votes"/> begun at <paramref name="now"/> ends, and whether it stored them. A
    /// commit in flight when the primary is lost, or begun while none is writable, stalls until the failover ends and
    /// then fails: a lost node sends no reset, the store's CommandTimeout is 0, and a primary that died before the
    /// standby confirmed acknowledged nothing. Its work is not charged to the new primary.
    /// </summary>
    public (double End, bool Stored) Commit(double now, int votes)
    {
        if (failsOver && now >= _outageStart && now < _outageEnd)
        {
            return (_outageEnd, false);
        }

        var serviceEnd = Math.Max(now, _busyUntil) + (votes * settings.CommitPerVoteSeconds);
        var end = serviceEnd + settings.CommitFixedSeconds;
        if (failsOver && now < _outageStart && end >= _outageStart)
        {
            return (_outageEnd, false);
        }

        _busyUntil = serviceEnd;
        return (end, true);
    }
}
