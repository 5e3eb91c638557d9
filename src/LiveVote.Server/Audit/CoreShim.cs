// TEMPORARY stand-in for the lead's audit core (main, "Audit core: ..."), with the contract's names only, so part D
// compiles before the core is merged. Deleted in the commit that merges main.
using LiveVote.Server.Audit;

namespace LiveVote.Server.Audit.Merkle
{
    public readonly record struct MerkleNode(int Level, long Index, Sha256Hash Hash);

    public readonly record struct MerkleLogId(string PollId, int Chain);

    public interface IMerkleNodeSource
    {
        Task<IReadOnlyList<Sha256Hash>> ReadLeavesAsync(MerkleLogId log, long start, int count, CancellationToken ct);

        Task<IReadOnlyList<MerkleNode>> ReadNodesAsync(MerkleLogId log, int level, long start, int count, CancellationToken ct);
    }

    public sealed class MerkleTreeReader(IMerkleNodeSource source)
    {
        public Task<Sha256Hash> RootAsync(MerkleLogId log, long size, CancellationToken ct) =>
            throw new NotSupportedException($"{source} {log} {size} {ct}");
    }
}

namespace LiveVote.Server.Audit.Signing
{
    public sealed class AuditSigner
    {
        public string Origin => "livevote.local";

        public string KeyName => Origin;

        public string VerifierKey => "";

        public string SignNote(string body) => body + "\n— " + KeyName + " AAAA\n";
    }
}
