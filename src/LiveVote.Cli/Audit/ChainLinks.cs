namespace LiveVote.Cli.Audit;

/// <summary>
/// The links of one chain, checked entry by entry in seq order: seqs consecutive from 1, genesis <c>prev_hash</c> = 32
/// zero bytes, <c>prev_hash</c> = the previous entry's stored hash, <c>hash</c> recomputed from the stored fields.
/// A chain may end at any seq (in PostgreSQL a writer that failed mid-commit stops and its node goes on under a new
/// writer id; a cut-off tail is what checkpoints reveal).
/// <para>
/// Each link is checked against the stored previous hash rather than a running recomputed one, so one tampered entry
/// is reported once instead of breaking every later link; when no link fails, the whole chain from genesis to the head
/// is proven by induction.
/// </para>
/// </summary>
internal sealed class ChainLinks(int chain)
{
    public int Chain { get; } = chain;

    public long Entries { get; private set; }

    public long HeadSeq { get; private set; }

    public byte[] HeadHash { get; private set; } = AuditLinkHasher.Genesis.ToArray();

    public ChainSummary Summary() => new(Chain, Entries, HeadSeq, Convert.ToHexStringLower(HeadHash));

    public void Check(StoredEntry entry, AuditLinkHasher hasher, ProblemLog problems)
    {
        var seq = entry.Ref.Seq;
        var follows = CheckSeq(entry.Ref, problems);
        if (entry.PrevHash is not { Length: AuditLinkHasher.HashSize } prev)
        {
            problems.At(entry.Ref, "prev_hash is not a 32-byte value");
        }
        else if (follows && !prev.AsSpan().SequenceEqual(HeadHash))
        {
            // Across a gap the previous link is missing, which is already reported; comparing would only repeat it.
            problems.At(entry.Ref, seq == 1
                ? "prev_hash is not the genesis value (32 zero bytes)"
                : $"prev_hash does not match the stored hash of {problems.Where(entry.Ref with { Seq = seq - 1 })}");
        }

        if (entry.Hash is not { Length: AuditLinkHasher.HashSize } hash)
        {
            problems.At(entry.Ref, "hash is not a 32-byte value");
        }
        else if (entry.PrevHash is { Length: AuditLinkHasher.HashSize })
        {
            var computed = hasher.Compute(entry.PrevHash, seq, entry.Kind, entry.PollId, entry.VoterKey, entry.OptionId, entry.AtUnixMs, entry.Data);
            if (!computed.AsSpan().SequenceEqual(hash))
            {
                problems.At(entry.Ref, $"hash mismatch (stored {Convert.ToHexStringLower(hash)}, computed {Convert.ToHexStringLower(computed)})");
            }
        }

        if (entry.HasVoterKey && entry.VoterKey is null)
        {
            problems.At(entry.Ref, "voter_key is not a blob");
        }

        Entries++;
        HeadSeq = seq;
        HeadHash = entry.Hash ?? [];
    }

    /// <summary>Checks that seqs run 1, 2, 3, ...; returns false when this entry does not follow the previous one.</summary>
    private bool CheckSeq(EntryRef entry, ProblemLog problems)
    {
        var (seq, expected) = (entry.Seq, HeadSeq + 1);
        var chain = problems.ChainName(Chain);
        if (seq > expected)
        {
            problems.At(entry with { Seq = expected }, expected == 1
                ? $"missing: {chain} starts at seq {seq} instead of seq 1"
                : seq == expected + 1
                ? $"missing: {chain} jumps from seq {expected - 1} to seq {seq}"
                : $"missing: seqs {expected} to {seq - 1} are not stored ({chain} jumps to seq {seq})");
        }
        else if (seq < expected)
        {
            problems.At(entry, $"out of place: {chain} starts at seq 1 and this entry comes where seq {expected} belongs");
        }

        return seq == expected;
    }
}
