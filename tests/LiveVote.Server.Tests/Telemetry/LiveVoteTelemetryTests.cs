using System.Diagnostics.Metrics;
using System.Reflection;
using LiveVote.Server.Telemetry;

namespace LiveVote.Server.Tests.Telemetry;

public sealed class LiveVoteTelemetryTests
{
    /// <summary>The rule of LiveVoteTelemetry's doc comment: features call its methods and keep no meter or instrument of their own.</summary>
    [Fact]
    public void MetersAndInstruments_AreHeldOnlyByLiveVoteTelemetry()
    {
        const BindingFlags all = BindingFlags.Static | BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
        var strays = typeof(Program).Assembly.GetTypes()
            .Where(type => !IsWithin(type, typeof(LiveVoteTelemetry)))
            .SelectMany(type => type.GetFields(all).Select(field => (type, field)))
            .Where(f => typeof(Meter).IsAssignableFrom(f.field.FieldType) || typeof(Instrument).IsAssignableFrom(f.field.FieldType))
            .Select(f => $"{f.type.FullName}.{f.field.Name}")
            .ToList();

        Assert.True(strays.Count == 0, "Instruments outside LiveVoteTelemetry: " + string.Join(", ", strays));
    }

    private static bool IsWithin(Type? type, Type outer)
    {
        for (; type is not null; type = type.DeclaringType)
        {
            if (type == outer)
            {
                return true;
            }
        }

        return false;
    }
}
