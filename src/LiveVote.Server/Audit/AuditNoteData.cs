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
    /// <summary>
    /// <c>{"action","reason","score","evidence"}</c> for a risk decision: what was decided and its main reason, public;
    /// what it was based on (the network, each signal's points) is in the restricted evidence store, under the ref
    /// <c>evidence</c> (<c>Security/Evidence</c>). Entries written before carried <c>"signals"</c> and <c>"network"</c>.
    /// </summary>
    public static string RiskDecision(string action, RiskAssessment assessment, string evidence) => Write(writer =>
    {
        writer.WriteString("action", action);
        writer.WriteString("reason", RiskSignals.Name(assessment.MainSignal));
        writer.WriteNumber("score", assessment.RoundedScore);
        writer.WriteString("evidence", evidence);
    });

    /// <summary>The evidence detail of a risk decision: <c>{"signals":{name:points}}</c>, the signals that scored.</summary>
    public static string RiskSignalsDetail(RiskAssessment assessment) => Write(writer =>
    {
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
    });

    /// <summary>
    /// <c>{"action":"admin-lockout","reason","failures","lockoutSeconds","evidence"}</c>, plus <c>"suppressed"</c> when
    /// lockouts before this one were left out of the trail by the hourly cap (<c>Security/Admin/AdminLockoutNotes</c>).
    /// The locked-out network is in the evidence store under <c>evidence</c>; entries written before carried <c>"network"</c>.
    /// </summary>
    public static string AdminLockout(int failures, TimeSpan lockout, string evidence, long suppressed = 0) => Write(writer =>
    {
        writer.WriteString("action", "admin-lockout");
        writer.WriteString("reason", "wrong-admin-key");
        writer.WriteNumber("failures", failures);
        writer.WriteNumber("lockoutSeconds", (long)Math.Ceiling(lockout.TotalSeconds));
        writer.WriteString("evidence", evidence);
        if (suppressed > 0)
        {
            writer.WriteNumber("suppressed", suppressed);
        }
    });

    /// <summary>The evidence detail of an admin lockout: <c>{"failures":n}</c>.</summary>
    public static string LockoutDetail(int failures) => Write(writer => writer.WriteNumber("failures", failures));

    /// <summary>
    /// A poll change's data with who pressed for it: <paramref name="data"/> (a compact JSON object, or null) with
    /// <c>"operator":"name"</c> added as its last member (<c>{"operator":"name"}</c> alone when there was no data);
    /// unchanged when nobody pressed (<paramref name="operatorName"/> null: background work, entries before operators).
    /// </summary>
    public static string? WithOperator(string? data, string? operatorName)
    {
        if (operatorName is null)
        {
            return data;
        }

        var member = Write(writer => writer.WriteString("operator", operatorName));
        if (data is null)
        {
            return member;
        }

        // Both are objects written compactly by this server: {..} + {"operator":..} -> {..,"operator":..}.
        return data is ['{', .., '}'] && data.Length > 2 ? string.Concat(data.AsSpan(0, data.Length - 1), ",", member.AsSpan(1))
            : data == "{}" ? member
            : throw new InvalidOperationException("Audit data is not a JSON object.");
    }

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
