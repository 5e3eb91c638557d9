using LiveVote.Server.Audit;
using System.Text.Json;
using LiveVote.Server.Ingest;
using LiveVote.Server.Security.Admin;
using LiveVote.Server.Security.RateLimiting;
using LiveVote.Server.Security.Risk;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace LiveVote.Server.Tests.Security.Admin;

/// <summary>Lockouts reach the audit trail at most AdminLockoutNotesPerHour an hour; the next entry says how many did not.</summary>
public sealed class AdminLockoutNotesTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 20, 0, 0, TimeSpan.Zero));
    private readonly IngestQueue _queue = new(Options.Create(new IngestOptions()));

    [Fact]
    public void LockoutsOverTheHourlyCap_AreNotWritten_ButCounted_AndTheNextEntryAnHourLaterSaysHowMany()
    {
        using var suppressed = new MetricRecorder("livevote.admin.lockout.notes.suppressed");
        var notes = new AdminLockoutNotes(new AuditNotes(_queue), Options.Create(new RateLimitOptions { AdminLockoutNotesPerHour = 3 }), _time);

        for (var i = 0; i < 10; i++)
        {
            notes.Write(new LockoutStep(true, TimeSpan.FromMinutes(1), 50), $"10.0.{i}.0/24");
            _time.Advance(TimeSpan.FromMinutes(1));
        }

        var written = Drain();
        Assert.Equal(["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"], written.Select(d => d.GetProperty("network").GetString()));
        Assert.All(written, d => Assert.False(d.TryGetProperty("suppressed", out _)));
        Assert.True(suppressed.Sum() >= 7);

        _time.Advance(TimeSpan.FromHours(1));
        notes.Write(new LockoutStep(true, TimeSpan.FromMinutes(2), 50), "10.0.99.0/24");

        var next = Assert.Single(Drain());
        Assert.Equal("10.0.99.0/24", next.GetProperty("network").GetString());
        Assert.Equal(7, next.GetProperty("suppressed").GetInt64());
        Assert.Equal(120, next.GetProperty("lockoutSeconds").GetInt64());
    }

    private List<JsonElement> Drain()
    {
        var data = new List<JsonElement>();
        while (_queue.Reader.TryRead(out var command))
        {
            Assert.Equal(WriterCommandKind.Note, command.Kind);
            Assert.Equal("admin-lockout", command.AuditNote.Kind);
            Assert.Null(command.AuditNote.PollId);
            data.Add(JsonDocument.Parse(command.AuditNote.Data).RootElement.Clone());
        }

        return data;
    }
}
