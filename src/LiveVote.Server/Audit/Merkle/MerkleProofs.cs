namespace LiveVote.Server.Audit.Merkle;

/// <summary>RFC 9162 verification of inclusion (2.1.3.2) and consistency (2.1.4.2) proofs.</summary>
public static class MerkleProofs
{
    public static bool VerifyInclusion(long leaf, long size, in Sha256Hash leafHash, IReadOnlyList<Sha256Hash> proof, in Sha256Hash root)
    {
        if (leaf < 0 || leaf >= size)
        {
            return false;
        }

        var fn = leaf;
        var sn = size - 1;
        var r = leafHash;
        foreach (var p in proof)
        {
            if (sn == 0)
            {
                return false;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                r = MerkleHash.Node(p, r);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                r = MerkleHash.Node(r, p);
            }

            fn >>= 1;
            sn >>= 1;
        }

        return sn == 0 && r == root;
    }

    public static bool VerifyConsistency(long from, long to, in Sha256Hash fromRoot, in Sha256Hash toRoot, IReadOnlyList<Sha256Hash> proof)
    {
        if (from < 0 || from > to)
        {
            return false;
        }

        if (from == to)
        {
            return proof.Count == 0 && fromRoot == toRoot;
        }

        if (from == 0)
        {
            // Every tree extends the empty one; RFC 9162 defines no proof for it.
            return proof.Count == 0;
        }

        if (proof.Count == 0)
        {
            return false;
        }

        // A first tree that is a complete subtree is its own first node of the path.
        var path = (from & (from - 1)) == 0 ? [fromRoot, .. proof] : proof.ToList();
        var fn = from - 1;
        var sn = to - 1;
        while ((fn & 1) == 1)
        {
            fn >>= 1;
            sn >>= 1;
        }

        var fr = path[0];
        var sr = path[0];
        foreach (var c in path.Skip(1))
        {
            if (sn == 0)
            {
                return false;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                fr = MerkleHash.Node(c, fr);
                sr = MerkleHash.Node(c, sr);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                sr = MerkleHash.Node(sr, c);
            }

            fn >>= 1;
            sn >>= 1;
        }

        return sn == 0 && fr == fromRoot && sr == toRoot;
    }
}
