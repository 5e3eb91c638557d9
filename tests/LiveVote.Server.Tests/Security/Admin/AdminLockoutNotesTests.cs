using LiveVote.Server.Audit;
using System.Text.Json;
using LiveVote.Server.Ingest;
using LiveVote.Server.Security.Admin;
using LiveVote.Server.Security.Evidence;
using LiveVote.Server.Security.RateLimiting;
using LiveVote.Server.Security.Risk;
using LiveVote.Server.Tests.Infrastructure;
using LiveVote.Server.Tests.Security.Evidence;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace LiveVote.Server.Tests.Security.Admin;

/// <summary>
/// Lockouts reach the audit trail at most AdminLockoutNotesPerHour an hour; the next entry says how many did not. The
/// entry names its evidence; the locked-out network is in the evidence store, never in the public entry.
/// </summary>
public sealed class AdminLockoutNotesTests : IAsyncDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 20, 0, 0, TimeSpan.Zero));
    private readonly IngestQueue _queue = new(Options.Create(new IngestOptions()));
    private readonly FakeRiskEvidenceTable _evidenceTable = new();
    private readonly RiskEvidenceRecorder _evidence;

    public AdminLockoutNotesTests() => _evidence = new RiskEvidenceRecorder(_evidenceTable, _time, NullLogger<RiskEvidenceRecorder>.Instance);

    public ValueTask DisposeAsync() => _evidence.DisposeAsync();

    [Fact]
    public async Task LockoutsOverTheHourlyCap_AreNotWritten_ButCounted_AndTheNextEntryAnHourLaterSaysHowMany()
    {
        using var suppressed = new MetricRecorder("livevote.admin.lockout.notes.suppressed");
        var notes = new AdminLockoutNotes(new AuditNotes(_queue), _evidence, Options.Create(new RateLimitOptions { AdminLockoutNotesPerHour = 3 }), _time);

        for (var i = 0; i < 10; i++)
        {
            notes.Write(new LockoutStep(true, TimeSpan.FromMinutes(1), 50), $"10.0.{i}.0/24");
            _time.Advance(TimeSpan.FromMinutes(1));
        }

        var written = Drain();
        Assert.Equal(["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"], await NetworksAsync(written, 3));
        Assert.All(written, d => Assert.False(d.TryGetProperty("suppressed", out _)));
        Assert.True(suppressed.Sum() >= 7);

        _time.Advance(TimeSpan.FromHours(1));
        notes.Write(new LockoutStep(true, TimeSpan.FromMinutes(2), 50), "10.0.99.0/24");

        var next = Assert.Single(Drain());
        Assert.Equal(["10.0.99.0/24"], await NetworksAsync([next], 4));
        Assert.Equal(7, next.GetProperty("suppressed").GetInt64());
        Assert.Equal(120, next.GetProperty("lockoutSeconds").GetInt64());
    }

    /// <summary>The networks of the entries' evidence, in entry order (the store holds <paramref name="stored"/> rows by then).</summary>
    private async Task<List<string>> NetworksAsync(List<JsonElement> entries, int stored)
    {
        var rows = await _evidenceTable.RowsAsync(stored);
        return [.. entries.Select(e =>
        {
            var row = Assert.Single(rows, r => Convert.ToHexStringLower(r.Ref) == e.GetProperty("evidence").GetString());
            Assert.Equal("admin-lockout", row.Kind);
            Assert.Equal(e.GetProperty("failures").GetInt32(), JsonDocument.Parse(row.Detail).RootElement.GetProperty("failures").GetInt32());
            return row.Network;
        })];
    }

    private List<JsonElement> Drain()
    {
        var data = new List<JsonElement>();
        while (_queue.Reader.TryRead(out var command))
        {
            Assert.Equal(WriterCommandKind.Note, command.Kind);
            Assert.Equal("admin-lockout", command.AuditNote.Kind);
            Assert.Null(command.AuditNote.PollId);
            var entry = JsonDocument.Parse(command.AuditNote.Data).RootElement.Clone();
            Assert.False(entry.TryGetProperty("network", out _), "the public entry names a network: " + command.AuditNote.Data);
            data.Add(entry);
        }

        return data;
    }
}
