using System.Security.Cryptography;

namespace LiveVote.Server.Tests.Infrastructure;

/// <summary>
/// RFC 9162 (section 2.1) written again for the tests from the RFC's text, on hex strings and byte arrays, sharing no
/// code with the server: the Merkle tree hash of a list of leaves, and the verification of inclusion (2.1.3.2) and
/// consistency (2.1.4.2) proofs. The server's proofs are accepted only if this says so.
/// </summary>
public static class IndependentMerkle
{
    /// <summary>leafHash = SHA-256(0x00 || entryHash), hex.</summary>
    public static string LeafHash(string entryHashHex) => Hex(SHA256.HashData([0x00, .. Convert.FromHexString(entryHashHex)]));

    /// <summary>MTH(D[n]) from the leaf hashes (hex), recursively as the RFC defines it; MTH({}) = SHA-256("").</summary>
    public static string Root(IReadOnlyList<string> leafHashes) =>
        leafHashes.Count == 0 ? Hex(SHA256.HashData([])) : Hex(Mth([.. leafHashes.Select(Convert.FromHexString)], 0, leafHashes.Count));

    /// <summary>RFC 9162 2.1.3.2: true when <paramref name="proof"/> proves <paramref name="leafHash"/> at <paramref name="index"/> in the tree of <paramref name="size"/> leaves with <paramref name="root"/>.</summary>
    public static bool VerifyInclusion(long index, long size, string leafHash, IReadOnlyList<string> proof, string root)
    {
        if (index >= size)
        {
            return false;
        }

        var fn = index;
        var sn = size - 1;
        var r = Convert.FromHexString(leafHash);
        foreach (var p in proof.Select(Convert.FromHexString))
        {
            if (sn == 0)
            {
                return false;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                r = Node(p, r);
                if ((fn & 1) == 0)
                {
                    while ((fn & 1) == 0 && fn != 0)
                    {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            }
            else
            {
                r = Node(r, p);
            }

            fn >>= 1;
            sn >>= 1;
        }

        return sn == 0 && Hex(r) == root;
    }

    /// <summary>RFC 9162 2.1.4.2: true when <paramref name="proof"/> proves the tree of <paramref name="second"/> leaves extends the tree of <paramref name="first"/>.</summary>
    public static bool VerifyConsistency(long first, long second, string firstRoot, string secondRoot, IReadOnlyList<string> proof)
    {
        if (first < 1 || first > second)
        {
            return false;
        }

        if (first == second)
        {
            return proof.Count == 0 && firstRoot == secondRoot;
        }

        if (proof.Count == 0)
        {
            return false;
        }

        var path = proof.Select(Convert.FromHexString).ToList();
        if ((first & (first - 1)) == 0)
        {
            path.Insert(0, Convert.FromHexString(firstRoot));
        }

        var fn = first - 1;
        var sn = second - 1;
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
                fr = Node(c, fr);
                sr = Node(c, sr);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                sr = Node(sr, c);
            }

            fn >>= 1;
            sn >>= 1;
        }

        return Hex(fr) == firstRoot && Hex(sr) == secondRoot && sn == 0;
    }

    private static byte[] Mth(byte[][] leaves, int start, int n)
    {
        if (n == 1)
        {
            return leaves[start];
        }

        var k = 1;
        while (k * 2 < n)
        {
            k *= 2;
        }

        return Node(Mth(leaves, start, k), Mth(leaves, start + k, n - k));
    }

    private static byte[] Node(byte[] left, byte[] right) => SHA256.HashData([0x01, .. left, .. right]);

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
