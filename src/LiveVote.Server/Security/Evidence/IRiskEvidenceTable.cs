namespace LiveVote.Server.Security.Evidence;

/// <summary>
/// The restricted, expiring table of risk evidence (<c>risk_evidence</c>) in the node's own database: the SQLite file,
/// or partition 0's PostgreSQL cluster, which every node of a fleet shares. Each store supplies only its SQL; what is
/// written when (<see cref="RiskEvidenceRecorder"/>), who may read it (<c>GET /v1/admin/evidence</c>, admin key) and
/// how long it stays (<see cref="RiskEvidencePurge"/>) are decided once, above it.
/// </summary>
internal interface IRiskEvidenceTable
{
    /// <summary>Inserts the rows in one transaction. Throws when the database cannot answer.</summary>
    Task InsertAsync(IReadOnlyList<RiskEvidence> rows, CancellationToken cancellationToken);

    /// <summary>Rows matching <paramref name="query"/>, in seq order, at most its limit.</summary>
    Task<IReadOnlyList<RiskEvidence>> ReadAsync(EvidenceQuery query, CancellationToken cancellationToken);

    /// <summary>Deletes the rows recorded before <paramref name="cutoff"/>; returns how many.</summary>
    Task<int> DeleteRecordedBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken);

    /// <summary>Deletes one voter's rows in one poll (an erasure request); returns how many.</summary>
    Task<int> DeleteVoterAsync(string pollId, byte[] voterKey, CancellationToken cancellationToken);
}
