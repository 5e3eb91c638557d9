using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using LiveVote.Contracts;

namespace LiveVote.Server.Tests.Infrastructure;

/// <summary>
/// Steady vote load on a fleet of API nodes while the store behind them fails over: many viewers, each walking the
/// polls one vote at a time, each vote sent until it gets a final answer, as a well-behaved client does (503, a lost
/// connection and a timeout leave the outcome unknown, and sending the very same vote again is safe). Every final
/// answer, and every answer on the way that was not final, is recorded with the time it came (seconds on
/// <see cref="Clock"/>) for the exactly-once checks (<see cref="StoredVotes"/>) and the printed outage figures.
/// </summary>
public sealed class VoteLoad
{
    public static readonly string[] Options = ["a", "b", "c"];
    private readonly ConcurrentQueue<VoteAnswer> _answers = new();
    private readonly ConcurrentQueue<InterimAnswer> _interim = new();
    private readonly HttpClient[] _clients;
    private readonly CancellationTokenSource _stop = new();
    private readonly TimeSpan _thinkTime;
    private Task[] _load = [];

    private VoteLoad(IReadOnlyList<LiveVoteServer> nodes, PollDto[] polls, RegisterViewerResponse[] viewers, TimeSpan thinkTime)
    {
        _thinkTime = thinkTime;
        Nodes = nodes;
        Polls = polls;
        Viewers = viewers;
        _clients = nodes.Select(n => new HttpClient { BaseAddress = n.Client().BaseAddress, Timeout = TimeSpan.FromSeconds(20) }).ToArray();
    }

    public IReadOnlyList<LiveVoteServer> Nodes { get; }

    public PollDto[] Polls { get; }

    public RegisterViewerResponse[] Viewers { get; }

    public Stopwatch Clock { get; } = new();

    /// <summary>Every final answer so far.</summary>
    public IReadOnlyCollection<VoteAnswer> Answers => _answers;

    /// <summary>Every answer that was not final (the vote was sent again): its status (0: no answer) and Retry-After.</summary>
    public IReadOnlyCollection<InterimAnswer> Interim => _interim;

    /// <summary>
    /// Opens <paramref name="pollCount"/> polls (seen open on every node) and registers the viewers. Each viewer
    /// pauses <paramref name="thinkTime"/> between its votes (none: as fast as the fleet answers).
    /// </summary>
    public static async Task<VoteLoad> PrepareAsync(IReadOnlyList<LiveVoteServer> nodes, int viewerCount, int pollCount, TimeSpan thinkTime = default)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        var admin = nodes[0].AdminClient();
        // In chunks: a thousand poll creations at once on a busy machine outrun the writer (answered 503).
        var polls = new List<PollDto>();
        foreach (var chunk in Enumerable.Range(0, pollCount).Chunk(100))
        {
            polls.AddRange(await Task.WhenAll(chunk.Select(_ => Api.CreateOpenPollAsync(admin, Options))));
        }

        foreach (var node in nodes)
        {
            var client = node.Client();
            foreach (var poll in polls)
            {
                if ((await Api.ResultsWhenAsync(client, poll.Id, r => r.Status == "open")).Status != "open")
                {
                    throw new InvalidOperationException($"poll {poll.Id} is not open on every node");
                }
            }
        }

        return new VoteLoad(nodes, [.. polls], await Api.RegisterManyAsync(admin, viewerCount), thinkTime);
    }

    public void Start()
    {
        Clock.Start();
        _load = Enumerable.Range(0, Viewers.Length).Select(v => Task.Run(() => VoteLoopAsync(v))).ToArray();
    }

    /// <summary>Stops sending new votes, waits for every vote in flight to get its final answer, returns them all.</summary>
    public async Task<VoteAnswer[]> StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_load);
        return [.. _answers];
    }

    /// <summary>
    /// When the first vote answered 201 after <paramref name="from"/> came; with <paramref name="retriedOnly"/>, the
    /// first such vote that had to be sent again (it was in flight across the outage).
    /// </summary>
    public async Task<double> FirstAcceptedAfterAsync(double from, TimeSpan timeout, bool retriedOnly = false)
    {
        var deadline = Clock.Elapsed + timeout;
        while (Clock.Elapsed < deadline)
        {
            var first = _answers.Where(a => a.At > from && a.Status == 201 && (!retriedOnly || a.Attempts > 0)).Select(a => a.At).DefaultIfEmpty(double.NaN).Min();
            if (!double.IsNaN(first))
            {
                return first;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"No vote was accepted within {timeout.TotalSeconds:F0} s after {from:F2} s.");
    }

    /// <summary>Final answers per second between two instants.</summary>
    public static double Rate(IEnumerable<VoteAnswer> answers, double from, double to) =>
        answers.Count(a => a.At >= from && a.At < to) / Math.Max(to - from, 0.001);

    /// <summary>The longest stretch between <paramref name="from"/> and <paramref name="to"/> in which no vote was answered 201.</summary>
    public static (double From, double To) LongestGapWithout201(IEnumerable<VoteAnswer> answers, double from, double to)
    {
        var accepted = answers.Where(a => a.Status == 201 && a.At > from && a.At < to).Select(a => a.At).Prepend(from).Append(to).Order().ToArray();
        return accepted.Zip(accepted.Skip(1), (f, t) => (From: f, To: t)).MaxBy(p => p.To - p.From);
    }

    private async Task VoteLoopAsync(int viewer)
    {
        // Each viewer walks the polls from its own starting point, one vote per poll, until told to stop.
        for (var i = 0; i < Polls.Length && !_stop.IsCancellationRequested; i++)
        {
            var poll = (viewer + i) % Polls.Length;
            var optionId = Options[(viewer + poll) % Options.Length];
            _answers.Enqueue(await VoteUntilAnsweredAsync(viewer, poll, optionId));
            if (_thinkTime > TimeSpan.Zero && !_stop.IsCancellationRequested)
            {
                await Task.Delay(_thinkTime);
            }
        }
    }

    /// <summary>
    /// Sends the same vote until it gets a final answer, alternating the nodes as a load balancer may. Gives up after
    /// 90 s and reports the last status (0 for no answer).
    /// </summary>
    private async Task<VoteAnswer> VoteUntilAnsweredAsync(int viewer, int poll, string optionId)
    {
        var started = Clock.Elapsed;
        var backoffMs = 25;
        var lastStatus = 0;
        var token = Viewers[viewer].Token;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var response = await Api.VoteAsync(_clients[(viewer + poll + attempt) % _clients.Length], Polls[poll].Id, token, optionId);
                lastStatus = (int)response.StatusCode;
                if (response.StatusCode != HttpStatusCode.ServiceUnavailable)
                {
                    var vote = response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK
                        ? await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.VoteResponse)
                        : null;
                    return new VoteAnswer(viewer, poll, optionId, lastStatus, vote?.VoteId, vote?.Receipt, Clock.Elapsed.TotalSeconds, attempt, started.TotalSeconds);
                }

                _interim.Enqueue(new InterimAnswer(lastStatus, response.Headers.RetryAfter is not null, Clock.Elapsed.TotalSeconds, viewer, poll));
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                lastStatus = 0;
                _interim.Enqueue(new InterimAnswer(0, false, Clock.Elapsed.TotalSeconds, viewer, poll));
            }

            if (Clock.Elapsed - started > TimeSpan.FromSeconds(90))
            {
                return new VoteAnswer(viewer, poll, optionId, lastStatus, null, null, Clock.Elapsed.TotalSeconds, attempt, started.TotalSeconds);
            }

            await Task.Delay(backoffMs + Random.Shared.Next(backoffMs));
            backoffMs = Math.Min(backoffMs * 2, 500);
        }
    }
}

/// <summary>
/// A vote's final answer: its status (201 new, 200 duplicate of a vote whose first answer was lost), ids, when it came
/// (<see cref="At"/>) and when the vote was first sent (<see cref="SentAt"/>: a vote first sent after a moment was
/// committed after it).
/// </summary>
public sealed record VoteAnswer(int Viewer, int Poll, string OptionId, int Status, string? VoteId, string? Receipt, double At, int Attempts, double SentAt = double.NaN);

/// <summary>
/// An answer after which the vote was sent again: 503 (with or without Retry-After) or 0 for no answer at all; whose
/// vote it was (so a multi-cluster test can tell which cluster's voters saw it).
/// </summary>
public sealed record InterimAnswer(int Status, bool HasRetryAfter, double At, int Viewer = -1, int Poll = -1);
