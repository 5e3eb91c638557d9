using System.Security.Cryptography;
using LiveVote.Server.Security.Evidence;
using LiveVote.Server.Tests.Ingest;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Tests.Security.Evidence;

/// <summary>
/// What every store's <c>risk_evidence</c> must do, run against the real SQLite file and a real PostgreSQL: rows read
/// back by poll and by the ref an audit entry names, an erasure removes one voter's rows, and the purge (on a fake
/// clock, over the real table) deletes evidence once it is older than the retention, and nothing younger.
/// </summary>
public abstract class RiskEvidenceTableContract
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Retention = TimeSpan.FromDays(30);

    private protected abstract IRiskEvidenceTable Table { get; }

    [Fact]
    public async Task Rows_AreReadBackByPoll_ByRef_AndInPages()
    {
        var now = DateTimeOffset.FromUnixTimeMilliseconds(1_790_000_000_000);
        var voter = RandomNumberGenerator.GetBytes(16);
        var rows = new[]
        {
            Row("p1", voter, "10.1.2.0/24", now), Row("p2", voter, "2001:db8:1::/48", now), Row("p1", null, "10.1.3.0/24", now),
            Lockout("192.0.2.0/24", now),
        };
        await Table.InsertAsync(rows, CancellationToken.None);

        var ofP1 = await Table.ReadAsync(new EvidenceQuery("p1", null, 0, 100), CancellationToken.None);
        var all = await Table.ReadAsync(new EvidenceQuery(null, null, 0, 100), CancellationToken.None);
        var byRef = await Table.ReadAsync(new EvidenceQuery(null, rows[1].Ref, 0, 100), CancellationToken.None);
        var firstPage = await Table.ReadAsync(new EvidenceQuery(null, null, 0, 2), CancellationToken.None);
        var secondPage = await Table.ReadAsync(new EvidenceQuery(null, null, firstPage[^1].Seq, 2), CancellationToken.None);

        Assert.Equal(["10.1.2.0/24", "10.1.3.0/24"], ofP1.Select(r => r.Network));
        Assert.Equal(rows.Select(r => r.Network), all.Select(r => r.Network));
        var one = Assert.Single(byRef);
        Assert.Equal((rows[1].Kind, rows[1].Action, rows[1].PollId, rows[1].Network, rows[1].Detail, rows[1].AtUnixMs),
            (one.Kind, one.Action, one.PollId, one.Network, one.Detail, one.AtUnixMs));
        Assert.Equal(voter, one.VoterKey);
        Assert.Equal(rows[1].Ref, one.Ref);
        Assert.Null(all[3].PollId);
        Assert.Null(all[3].VoterKey);
        Assert.Equal(rows.Select(r => r.Network), firstPage.Concat(secondPage).Select(r => r.Network));
    }

    [Fact]
    public async Task DeleteVoter_RemovesThatVotersRowsInThatPollOnly()
    {
        var now = DateTimeOffset.FromUnixTimeMilliseconds(1_790_000_000_000);
        var (voter, other) = (RandomNumberGenerator.GetBytes(16), RandomNumberGenerator.GetBytes(16));
        await Table.InsertAsync([Row("p1", voter, "10.1.2.0/24", now), Row("p1", voter, "10.1.2.0/24", now), Row("p2", voter, "10.1.2.0/24", now),
            Row("p1", other, "10.9.9.0/24", now)], CancellationToken.None);

        Assert.Equal(2, await Table.DeleteVoterAsync("p1", voter, CancellationToken.None));

        var left = await Table.ReadAsync(new EvidenceQuery(null, null, 0, 100), CancellationToken.None);
        Assert.Equal([("p2", voter), ("p1", other)], left.Select(r => (r.PollId!, r.VoterKey!)));
    }

    [Fact]
    public async Task Purge_DeletesEvidenceOlderThanTheRetention_AtStartAndAtEachInterval_AndKeepsYoungerEvidence()
    {
        var clock = new TimerSignallingTimeProvider();
        var now = clock.GetUtcNow();
        var expired = Row("p1", RandomNumberGenerator.GetBytes(16), "10.1.2.0/24", now - Retention - TimeSpan.FromSeconds(1));
        var young = Row("p1", RandomNumberGenerator.GetBytes(16), "10.7.7.0/24", now - Retention + TimeSpan.FromMinutes(5));
        var lockout = Lockout("192.0.2.0/24", now - TimeSpan.FromDays(31));
        await Table.InsertAsync([expired, young, lockout], CancellationToken.None);
        using var purge = new RiskEvidencePurge(
            Table, Options.Create(new EvidenceOptions { EvidenceRetention = Retention }), clock, NullLogger<RiskEvidencePurge>.Instance);

        // At start: the expired risk decision and lockout go, the young row stays.
        clock.ExpectTimer();
        await purge.StartAsync(CancellationToken.None);
        await clock.TimerCreated.WaitAsync(Patience);
        var left = await RowsWhenAsync(rows => rows.Count <= 1);
        Assert.Equal([young.Network], left.Select(r => r.Network));

        // An interval later its time has come too.
        clock.Advance(RiskEvidencePurge.Interval);
        Assert.Empty(await RowsWhenAsync(rows => rows.Count == 0));
        await purge.StopAsync(CancellationToken.None);
    }

    private static RiskEvidence Row(string pollId, byte[]? voterKey, string network, DateTimeOffset at) =>
        new(0, RandomNumberGenerator.GetBytes(RiskEvidence.RefSize), "risk-decision", "captcha-required", pollId, voterKey, network,
            """{"signals":{"young-account":10}}""", at.ToUnixTimeMilliseconds());

    private static RiskEvidence Lockout(string network, DateTimeOffset at) =>
        new(0, RandomNumberGenerator.GetBytes(RiskEvidence.RefSize), "admin-lockout", "admin-lockout", null, null, network,
            """{"failures":50}""", at.ToUnixTimeMilliseconds());

    /// <summary>The table's rows once <paramref name="done"/> holds (the purge runs in the background), or after the patience.</summary>
    private async Task<IReadOnlyList<RiskEvidence>> RowsWhenAsync(Func<IReadOnlyList<RiskEvidence>, bool> done)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var rows = await Table.ReadAsync(new EvidenceQuery(null, null, 0, 100), CancellationToken.None);
            if (done(rows) || DateTime.UtcNow > deadline)
            {
                return rows;
            }

            await Task.Delay(10);
        }
    }
}
