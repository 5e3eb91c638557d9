using Microsoft.Extensions.Options;

namespace LiveVote.Server.Polls;

/// <summary>On first start with an empty database, creates and opens the demo poll (through the writer, so it is audited).</summary>
internal sealed partial class DemoPollSeeder(
    PollRegistry polls, PollAdmin admin, IOptions<DemoOptions> options, IHostEnvironment environment, TimeProvider time, ILogger<DemoPollSeeder> logger) : IHostedService
{
    public const string DemoPollId = "demo";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.IsOn(environment) || polls.Count > 0)
        {
            return;
        }

        var poll = PollRules.Create(DemoPollId, "Who should win tonight's final?",
            [("aria", "Aria"), ("bruno", "Bruno"), ("chen", "Chen"), ("dara", "Dara")], time.GetUtcNow(),
            showResultsToViewers: true);
        await admin.CreateWithIdAsync(poll, cancellationToken);
        await admin.ChangeAsync(poll.Id, PollCommandKind.Open, cancellationToken);
        LogSeeded(logger, poll.Id);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Created and opened the demo poll '{PollId}': vote at /vote/{PollId}")]
    private static partial void LogSeeded(ILogger logger, string pollId);
}
