using System.Collections.Immutable;

namespace LiveVote.Server.Polls;

public enum PollStatus
{
    Draft,
    Open,
    Closed,
}

public sealed record PollOption(string Id, string Label);

/// <summary>
/// A poll as the producer defines it. Immutable: a status change makes a new instance, so readers on request threads
/// never see a half-applied change made by the batch writer.
/// </summary>
public sealed record Poll(
    string Id,
    string Title,
    ImmutableArray<PollOption> Options,
    PollStatus Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset? OpenedAt,
    DateTimeOffset? ClosedAt)
{
    /// <summary>The option's index in <see cref="Options"/>, or -1. Linear: polls have at most a few dozen options.</summary>
    public int IndexOfOption(string optionId)
    {
        var options = Options;
        for (var i = 0; i < options.Length; i++)
        {
            if (string.Equals(options[i].Id, optionId, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>draft -> open -> closed; nothing else (a closed poll is never reopened: its result went on air).</summary>
    public bool CanMoveTo(PollStatus next) =>
        (Status, next) is (PollStatus.Draft, PollStatus.Open) or (PollStatus.Open, PollStatus.Closed);

    public Poll MoveTo(PollStatus next, DateTimeOffset at)
    {
        if (!CanMoveTo(next))
        {
            throw new InvalidOperationException($"Poll {Id} cannot move from {Status} to {next}.");
        }

        return next == PollStatus.Open ? this with { Status = next, OpenedAt = at } : this with { Status = next, ClosedAt = at };
    }

    public static string StatusName(PollStatus status) => status switch
    {
        PollStatus.Draft => "draft",
        PollStatus.Open => "open",
        PollStatus.Closed => "closed",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    public static bool TryParseStatus(string value, out PollStatus status)
    {
        switch (value)
        {
            case "draft": status = PollStatus.Draft; return true;
            case "open": status = PollStatus.Open; return true;
            case "closed": status = PollStatus.Closed; return true;
            default: status = default; return false;
        }
    }
}
