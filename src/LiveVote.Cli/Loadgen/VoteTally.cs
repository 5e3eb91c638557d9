using System.Collections.Concurrent;

namespace LiveVote.Cli.Loadgen;

/// <summary>Counts of what the votes were answered, by status and by whether the answer was the right one.</summary>
internal sealed class VoteTally
{
    private const int MaxRecordedSurprises = 20;
    private readonly long[] _byStatus = new long[600];
    private readonly ConcurrentQueue<string> _surprises = new();
    private long _completed;
    private long _accepted;
    private long _duplicatesAnswered200;
    private long _secondVotesAnswered409;
    private long _wrongAnswers;
    private long _transportErrors;
    private long _retriesAfter503;
    private long _unexpectedAnswers;

    /// <summary>Requests answered finally (after any 503 retries): the throughput.</summary>
    public long Completed => Interlocked.Read(ref _completed);

    public long Accepted => Interlocked.Read(ref _accepted);

    public long DuplicatesAnswered200 => Interlocked.Read(ref _duplicatesAnswered200);

    public long SecondVotesAnswered409 => Interlocked.Read(ref _secondVotesAnswered409);

    public long WrongAnswers => Interlocked.Read(ref _wrongAnswers);

    public long TransportErrors => Interlocked.Read(ref _transportErrors);

    public long RetriesAfter503 => Interlocked.Read(ref _retriesAfter503);

    /// <summary>Answers outside the API's promise: not 2xx, not 409, not a 503 with Retry-After.</summary>
    public long UnexpectedAnswers => Interlocked.Read(ref _unexpectedAnswers);

    public IReadOnlyList<string> Surprises => [.. _surprises];

    /// <summary>Every HTTP answer, including the 503s that were retried, judged against the API's promise.</summary>
    public void Status(int status, bool hasRetryAfter)
    {
        Interlocked.Increment(ref _byStatus[Math.Clamp(status, 0, _byStatus.Length - 1)]);
        if (!IsPromised(status, hasRetryAfter))
        {
            Interlocked.Increment(ref _unexpectedAnswers);
            if (_surprises.Count < MaxRecordedSurprises)
            {
                _surprises.Enqueue($"answer {status}{(status == 503 ? " without Retry-After" : "")}");
            }
        }
    }

    /// <summary>2xx, 409 (second vote), or 503 that says when to retry: what a client is told to expect.</summary>
    public static bool IsPromised(int status, bool hasRetryAfter) => status is >= 200 and < 300 or 409 || (status == 503 && hasRetryAfter);

    public void RetriedAfter503() => Interlocked.Increment(ref _retriesAfter503);

    public void TransportError() => Interlocked.Increment(ref _transportErrors);

    public void Completion() => Interlocked.Increment(ref _completed);

    public void FirstAccepted() => Interlocked.Increment(ref _accepted);

    public void DuplicateAnswered200() => Interlocked.Increment(ref _duplicatesAnswered200);

    public void SecondVoteAnswered409() => Interlocked.Increment(ref _secondVotesAnswered409);

    public void Wrong(string what)
    {
        Interlocked.Increment(ref _wrongAnswers);
        if (_surprises.Count < MaxRecordedSurprises)
        {
            _surprises.Enqueue(what);
        }
    }

    public long ServerErrors() => _byStatus.Skip(500).Sum();

    /// <summary>Server errors other than the 503 back-pressure answers, which carry Retry-After and were retried.</summary>
    public long ServerErrorsOtherThan503() => ServerErrors() - Interlocked.Read(ref _byStatus[503]);

    public Dictionary<string, long> ByStatus() =>
        _byStatus.Select((count, status) => (count, status)).Where(p => p.count > 0)
            .ToDictionary(p => p.status == 0 ? "transport-error" : p.status.ToString(System.Globalization.CultureInfo.InvariantCulture), p => p.count);
}
