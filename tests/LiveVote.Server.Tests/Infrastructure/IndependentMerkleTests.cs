using System.Security.Cryptography;

namespace LiveVote.Server.Tests.Infrastructure;

/// <summary>The tests' own RFC 9162 code against the published vectors (RFC 6962 / transparency-dev), so it can judge the server's.</summary>
public sealed class IndependentMerkleTests
{
    // The eight leaves of the reference test data (certificate-transparency merkle_tree_test, transparency-dev/merkle).
    private static readonly string[] LeafData = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"];

    [Theory]
    [InlineData(0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData(1, "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")]
    [InlineData(2, "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")]
    [InlineData(3, "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77")]
    [InlineData(4, "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")]
    [InlineData(5, "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4")]
    [InlineData(6, "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef")]
    [InlineData(7, "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c")]
    [InlineData(8, "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")]
    public void Root_OfTheReferenceLeaves_IsThePublishedRoot(int size, string root)
    {
        Assert.Equal(root, IndependentMerkle.Root([.. LeafData.Take(size).Select(DataLeafHash)]));
    }

    [Fact]
    public void InclusionProofs_BuiltByHandForAllSizes_Verify_AndATamperedOneDoesNot()
    {
        var leaves = LeafData.Select(DataLeafHash).ToArray();
        for (var size = 1; size <= leaves.Length; size++)
        {
            var root = IndependentMerkle.Root(leaves[..size]);
            for (var index = 0; index < size; index++)
            {
                var proof = Path(leaves[..size], index);
                Assert.True(IndependentMerkle.VerifyInclusion(index, size, leaves[index], proof, root), $"leaf {index} of {size}");
                Assert.False(IndependentMerkle.VerifyInclusion(index, size, leaves[(index + 1) % leaves.Length], proof, root));
            }
        }
    }

    [Fact]
    public void ConsistencyProofs_BuiltByHandForAllSizes_Verify_AndAWrongRootDoesNot()
    {
        var leaves = LeafData.Select(DataLeafHash).ToArray();
        for (var second = 1; second <= leaves.Length; second++)
        {
            for (var first = 1; first <= second; first++)
            {
                var proof = Consistency(leaves[..second], first, true);
                var firstRoot = IndependentMerkle.Root(leaves[..first]);
                var secondRoot = IndependentMerkle.Root(leaves[..second]);
                Assert.True(IndependentMerkle.VerifyConsistency(first, second, firstRoot, secondRoot, proof), $"{first} -> {second}");
                if (first < second)
                {
                    Assert.False(IndependentMerkle.VerifyConsistency(first, second, firstRoot, IndependentMerkle.Root(leaves[..(second - 1)]), proof));
                }
            }
        }
    }

    private static string DataLeafHash(string dataHex) => Convert.ToHexStringLower(SHA256.HashData([0x00, .. Convert.FromHexString(dataHex)]));

    // RFC 9162 2.1.3.1 PATH(m, D[n]) and 2.1.4.1 SUBPROOF(m, D[n], b), straight from the definitions.
    private static List<string> Path(string[] d, int m)
    {
        if (d.Length == 1)
        {
            return [];
        }

        var k = Split(d.Length);
        return m < k ? [.. Path(d[..k], m), IndependentMerkle.Root(d[k..])] : [.. Path(d[k..], m - k), IndependentMerkle.Root(d[..k])];
    }

    private static List<string> Consistency(string[] d, int m, bool b)
    {
        if (m == d.Length)
        {
            return b ? [] : [IndependentMerkle.Root(d)];
        }

        var k = Split(d.Length);
        return m <= k ? [.. Consistency(d[..k], m, b), IndependentMerkle.Root(d[k..])] : [.. Consistency(d[k..], m - k, false), IndependentMerkle.Root(d[..k])];
    }

    private static int Split(int n)
    {
        var k = 1;
        while (k * 2 < n)
        {
            k *= 2;
        }

        return k;
    }
}
