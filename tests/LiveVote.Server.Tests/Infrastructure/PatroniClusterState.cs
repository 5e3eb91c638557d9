using System.Text.Json;

namespace LiveVote.Server.Tests.Infrastructure;

/// <summary>Patroni's <c>GET /cluster</c>: each member's role ("leader", "sync_standby", "replica"), state and timeline.</summary>
public sealed record PatroniClusterState(IReadOnlyList<PatroniClusterState.MemberState> Members)
{
    /// <summary>The running leader, or null while there is none.</summary>
    public MemberState? Leader => Members.FirstOrDefault(m => m.Role == "leader" && m.State == "running");

    /// <summary>The running synchronous standby Patroni named, or null.</summary>
    public MemberState? SyncStandby => Members.FirstOrDefault(m => m.Role == "sync_standby" && m.State is "running" or "streaming");

    public static PatroniClusterState Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var members = new List<MemberState>();
        foreach (var member in document.RootElement.GetProperty("members").EnumerateArray())
        {
            members.Add(new MemberState(
                member.GetProperty("name").GetString()!,
                member.TryGetProperty("role", out var role) ? role.GetString() ?? "" : "",
                member.TryGetProperty("state", out var state) ? state.GetString() ?? "" : "",
                member.TryGetProperty("timeline", out var timeline) && timeline.ValueKind == JsonValueKind.Number ? timeline.GetInt32() : 0));
        }

        return new PatroniClusterState(members);
    }

    public override string ToString() => string.Join(", ", Members.Select(m => $"{m.Name}:{m.Role}/{m.State}/tl{m.Timeline}"));

    public sealed record MemberState(string Name, string Role, string State, int Timeline);
}
