namespace LiveVote.Server.Polls;

/// <summary>Configuration section <c>LiveVote:Demo</c>.</summary>
public sealed class DemoOptions
{
    public const string Section = "LiveVote:Demo";

    /// <summary>
    /// Create one open demo poll (id <c>demo</c>) when the database holds no poll, so a newcomer can vote at once.
    /// Unset: only in the Development environment (what <c>dotnet run</c> uses): a production database must not
    /// start with a poll anyone can vote in.
    /// </summary>
    public bool? Enabled { get; set; }

    public bool IsOn(IHostEnvironment environment) => Enabled ?? environment.IsDevelopment();
}
