namespace LiveVote.Server.Polls;

/// <summary>Configuration section <c>LiveVote:Demo</c>.</summary>
public sealed class DemoOptions
{
    public const string Section = "LiveVote:Demo";

    /// <summary>Create one open demo poll (id <c>demo</c>) when the database holds no poll, so a newcomer can vote at once.</summary>
    public bool Enabled { get; set; } = true;
}
