using LiveVote.Server.Security.Evidence;

namespace LiveVote.Server.Tests.Security.Evidence;

/// <summary>An in-memory evidence table: keeps what the recorder inserted, so a unit test can read it back.</summary>
internal sealed class FakeRiskEvidenceTable : IRiskEvidenceTable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly List<RiskEvidence> _rows = [];

    public Task InsertAsync(IReadOnlyList<RiskEvidence> rows, CancellationToken cancellationToken)
    {
        lock (_rows)
        {
            foreach (var row in rows)
            {
                _rows.Add(row with { Seq = _rows.Count + 1 });
            }
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<RiskEvidence>> ReadAsync(EvidenceQuery query, CancellationToken cancellationToken)
    {
        lock (_rows)
        {
            return Task.FromResult<IReadOnlyList<RiskEvidence>>([.. _rows
                .Where(r => r.Seq > query.After && (query.PollId is null || r.PollId == query.PollId) && (query.Ref is null || r.Ref.SequenceEqual(query.Ref)))
                .Take(query.Limit)]);
        }
    }

    public Task<int> DeleteRecordedBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        lock (_rows)
        {
            return Task.FromResult(_rows.RemoveAll(r => r.AtUnixMs < cutoff.ToUnixTimeMilliseconds()));
        }
    }

    public Task<int> DeleteVoterAsync(string pollId, byte[] voterKey, CancellationToken cancellationToken)
    {
        lock (_rows)
        {
            return Task.FromResult(_rows.RemoveAll(r => r.PollId == pollId && r.VoterKey is { } key && key.SequenceEqual(voterKey)));
        }
    }

    /// <summary>The rows stored, once there are at least <paramref name="count"/> (the recorder writes in the background).</summary>
    public async Task<List<RiskEvidence>> RowsAsync(int count)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            lock (_rows)
            {
                if (_rows.Count >= count || DateTime.UtcNow > deadline)
                {
                    return [.. _rows];
                }
            }

            await Task.Delay(10);
        }
    }
}
