namespace LiveVote.Contracts;

/// <summary><c>POST /v1/admin/erasure</c>: a viewer's erasure request (GDPR Art. 17, CCPA deletion), as the operator received it.</summary>
/// <param name="ViewerId">The viewer id the viewer's tokens carry (the <c>sub</c>, or <c>issuer|sub</c> for an external issuer).</param>
public sealed record ErasureRequest(string? ViewerId);

/// <summary>
/// What the erasure did and what it kept (docs/design.md, section 11, "Voter keys per poll, retention and erasure").
/// </summary>
/// <param name="ViewerId">The viewer the request was for.</param>
/// <param name="EvidenceRowsRemoved">Restricted risk-evidence rows of the viewer deleted now (none where that store does not exist).</param>
/// <param name="Polls">Every poll whose voter key of this viewer can still be derived: the pseudonym under which any vote of theirs is kept.</param>
/// <param name="Retained">Why those votes are kept, in words for the answer to the viewer.</param>
public sealed record ErasureResponse(string ViewerId, int EvidenceRowsRemoved, IReadOnlyList<ErasurePollDto> Polls, string Retained);

/// <param name="PollId">The poll.</param>
/// <param name="Status">draft, open or closed.</param>
/// <param name="VoterKey">The viewer's voter key in this poll (hex), as the public trail shows it.</param>
/// <param name="UnlinkableAfter">When the poll's voter-key secret is destroyed (closed + audit period); null while it is open.</param>
/// <param name="PerPollKey">False for a poll created before per-poll keys: its key comes from the fleet-wide secret and is never destroyed.</param>
public sealed record ErasurePollDto(string PollId, string Status, string VoterKey, DateTimeOffset? UnlinkableAfter, bool PerPollKey = true);
