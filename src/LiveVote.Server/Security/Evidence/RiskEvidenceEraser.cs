using LiveVote.Server.Privacy;
using LiveVote.Server.Votes;

namespace LiveVote.Server.Security.Evidence;

/// <summary>An erasure request deletes the viewer's risk evidence in each poll, by the voter key it was kept under.</summary>
internal sealed class RiskEvidenceEraser(IRiskEvidenceTable table) : IVoterDataEraser
{
    public Task<int> EraseAsync(string pollId, VoterKey voterKey, CancellationToken cancellationToken) =>
        table.DeleteVoterAsync(pollId, voterKey.ToArray(), cancellationToken);
}
