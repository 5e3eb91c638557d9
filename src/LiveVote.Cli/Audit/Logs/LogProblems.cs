namespace LiveVote.Cli.Audit.Logs;

/// <summary>
/// Where the Merkle log checks put what they find: the store's own problem log (one store: locations read "poll P" or
/// "seq N"), or a fleet's cross-cluster log, where every problem names its partition.
/// </summary>
internal sealed class LogProblems(ProblemLog log, bool fleet)
{
    public ProblemLog Log { get; } = log;

    public void Poll(int partition, string pollId, string message)
    {
        if (fleet)
        {
            Log.InPartition(partition, null, pollId, message);
        }
        else
        {
            Log.AtPoll(pollId, message);
        }
    }

    public void Entry(int partition, EntryRef entry, string pollId, string message)
    {
        if (fleet)
        {
            Log.InPartition(partition, entry, pollId, message);
        }
        else
        {
            Log.At(entry, message, pollId);
        }
    }

    public void General(int? partition, string message)
    {
        if (fleet)
        {
            Log.InPartition(partition, null, null, message);
        }
        else
        {
            Log.General(message);
        }
    }

    /// <summary>An entry as messages name it ("seq N" or "chain W seq N").</summary>
    public string Where(EntryRef entry) => Log.NamesChains || fleet ? EntryRef.Describe(entry.Chain, entry.Seq) : EntryRef.Describe(null, entry.Seq);
}
