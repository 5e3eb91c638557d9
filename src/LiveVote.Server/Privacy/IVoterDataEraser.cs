using LiveVote.Server.Votes;

namespace LiveVote.Server.Privacy;

/// <summary>
/// A store that keeps data about a voter of a poll apart from the votes (the restricted risk-evidence store) and deletes
/// it on an erasure request (<c>POST /v1/admin/erasure</c>). Each registers itself; the erasure asks every one for every
/// poll whose voter key of the viewer can still be derived.
/// </summary>
internal interface IVoterDataEraser
{
    /// <summary>Deletes the voter's rows in the poll; returns how many.</summary>
    Task<int> EraseAsync(string pollId, VoterKey voterKey, CancellationToken cancellationToken);
}
