using System.Diagnostics.Metrics;
using System.Reflection;
using System.Runtime.CompilerServices;
using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Server.Tests.Telemetry;

/// <summary>docs/design.md's metric table lists exactly the instruments the server creates on its meter, with their units.</summary>
public sealed class MetricsDocumentationTests
{
    [Fact]
    public async Task DesignDocument_ListsExactlyTheServersInstrumentsAndUnits()
    {
        var created = await CreatedInstrumentsAsync();
        var documented = DocumentedInstruments();

        Assert.True(created.Count >= 20, $"Only {created.Count} instruments found: {string.Join(", ", created.Keys)}");
        Assert.Equal(created.OrderBy(p => p.Key, StringComparer.Ordinal), documented.OrderBy(p => p.Key, StringComparer.Ordinal));
    }

    /// <summary>
    /// Every instrument on a meter named LiveVote.Server, after running the static initialisers that create the
    /// process-wide ones and starting a server, which creates its own gauges.
    /// </summary>
    private static async Task<Dictionary<string, string>> CreatedInstrumentsAsync()
    {
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, _) =>
        {
            if (instrument.Meter.Name == "LiveVote.Server")
            {
                lock (found)
                {
                    found[instrument.Name] = instrument.Unit ?? "";
                }
            }
        };
        listener.Start();

        // Process-wide instruments live in static fields beside a static Meter; run those classes' initialisers.
        foreach (var type in typeof(Program).Assembly.GetTypes())
        {
            if (type.GetFields(BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public).Any(f => f.FieldType == typeof(Meter)))
            {
                RuntimeHelpers.RunClassConstructor(type.TypeHandle);
            }
        }

        // A server's own gauges are created on its meter as it starts.
        await new LiveVoteServer().DisposeAsync();

        lock (found)
        {
            return new Dictionary<string, string>(found, StringComparer.Ordinal);
        }
    }

    /// <summary>The rows of section 10's metric table: | `name` | prometheus | type | `unit` | labels | meaning |.</summary>
    private static Dictionary<string, string> DocumentedInstruments()
    {
        var rows = File.ReadAllLines(Path.Combine(ObservabilityFiles.Directory, "design.md"))
            .Select(line => line.Split('|').Select(c => c.Trim()).ToArray())
            .Where(cells => cells.Length >= 7 && cells[3] is "counter" or "histogram" or "gauge" && cells[1].StartsWith("`livevote.", StringComparison.Ordinal));
        return rows.ToDictionary(cells => cells[1].Trim('`'), cells => cells[4].Trim('`'), StringComparer.Ordinal);
    }
}
