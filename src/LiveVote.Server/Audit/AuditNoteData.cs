using System.Buffers;
using System.Text;
using System.Text.Json;
using LiveVote.Server.Security.Risk;

namespace LiveVote.Server.Audit;

/// <summary>
/// The <c>data</c> JSON of audit notes: compact, members in a fixed order, ASCII names only. It is hashed as stored,
/// so its exact form is whatever was written; a reader parses it as JSON.
/// </summary>
internal static class AuditNoteData
{
    /// <summary><c>{"action","reason","score","signals":{name:points},"network"}</c> for a risk decision.</summary>
    public static string RiskDecision(string action, RiskAssessment assessment, string network)
    {
        return Write(writer =>
        {
            writer.WriteString("action", action);
            writer.WriteString("reason", RiskSignals.Name(assessment.MainSignal));
            writer.WriteNumber("score", assessment.RoundedScore);
            writer.WriteStartObject("signals");
            foreach (var signal in RiskSignals.All)
            {
                var points = assessment.RoundedPoints(signal);
                if (points > 0)
                {
                    writer.WriteNumber(RiskSignals.Name(signal), points);
                }
            }

            writer.WriteEndObject();
            writer.WriteString("network", network);
        });
    }

    /// <summary>
    /// <c>{"action":"admin-lockout","reason","failures","lockoutSeconds","network"}</c>, plus <c>"suppressed"</c> when
    /// lockouts before this one were left out of the trail by the hourly cap (<c>Security/Admin/AdminLockoutNotes</c>).
    /// </summary>
    public static string AdminLockout(int failures, TimeSpan lockout, string network, long suppressed = 0) => Write(writer =>
    {
        writer.WriteString("action", "admin-lockout");
        writer.WriteString("reason", "wrong-admin-key");
        writer.WriteNumber("failures", failures);
        writer.WriteNumber("lockoutSeconds", (long)Math.Ceiling(lockout.TotalSeconds));
        writer.WriteString("network", network);
        if (suppressed > 0)
        {
            writer.WriteNumber("suppressed", suppressed);
        }
    });

    private static string Write(Action<Utf8JsonWriter> members)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            members(writer);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
