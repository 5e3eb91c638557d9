namespace LiveVote.Server.Hosting.Shutdown;

/// <summary>Configuration section <c>LiveVote:Shutdown</c>.</summary>
public sealed class ShutdownOptions
{
    public const string Section = "LiveVote:Shutdown";

    /// <summary>The longest <see cref="DrainDelay"/>: a load balancer notices a failing probe within seconds.</summary>
    public static readonly TimeSpan MaxDrainDelay = TimeSpan.FromSeconds(60);

    /// <summary>
    /// After SIGTERM, how long the node keeps serving while <c>/readyz</c> answers 503 <c>draining</c>, so the load
    /// balancer takes it out before it stops accepting connections (0 to 60 s). Zero by default: tests and
    /// <c>dotnet run</c> stop at once; the playbooks and manifests set 00:00:05 (a few probe intervals).
    /// </summary>
    public TimeSpan DrainDelay { get; set; } = TimeSpan.Zero;
}
