namespace LiveVote.ShowSim;

/// <summary>
/// Every vote of the show: its cluster, its first send, whether a commit stored it and whether it got its final
/// answer. A retry is the same vote (same index), as a client's retry carries the same token and voter key.
/// </summary>
internal sealed class VoteBook
{
    private readonly List<double> _firstSend = [];
    private readonly List<short> _cluster = [];
    private readonly List<byte> _flags = [];

    [Flags]
    private enum State : byte
    {
        None = 0,
        Stored = 1,
        Answered = 2,
        Refused = 4,
    }

    public int Count => _firstSend.Count;

    public int Add(int cluster, double now)
    {
        _firstSend.Add(now);
        _cluster.Add((short)cluster);
        _flags.Add(0);
        return _firstSend.Count - 1;
    }

    public int ClusterOf(int vote) => _cluster[vote];

    public double FirstSendOf(int vote) => _firstSend[vote];

    public bool IsStored(int vote) => Has(vote, State.Stored);

    public bool IsAnswered(int vote) => Has(vote, State.Answered);

    public bool WasRefused(int vote) => Has(vote, State.Refused);

    /// <summary>The unique key: true if this commit stored the vote, false if an earlier one had (ON CONFLICT DO NOTHING).</summary>
    public bool TryStore(int vote) => Set(vote, State.Stored);

    /// <summary>Records the final answer; a second final answer for one vote is a bug in the simulation.</summary>
    public void Answer(int vote)
    {
        if (!Set(vote, State.Answered))
        {
            throw new InvalidOperationException($"Vote {vote} got a second final answer.");
        }
    }

    public void MarkRefused(int vote) => Set(vote, State.Refused);

    private bool Has(int vote, State state) => ((State)_flags[vote] & state) != 0;

    private bool Set(int vote, State state)
    {
        if (Has(vote, state))
        {
            return false;
        }

        _flags[vote] = (byte)((State)_flags[vote] | state);
        return true;
    }
}
