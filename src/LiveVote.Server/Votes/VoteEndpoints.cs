using System.Diagnostics;
using LiveVote.Contracts;
using LiveVote.Server.Audit;
using LiveVote.Server.Hosting;
using LiveVote.Server.Hosting.OpenApi;
using LiveVote.Server.Ingest;
using LiveVote.Server.Polls;
using LiveVote.Server.Security;
using LiveVote.Server.Security.RateLimiting;
using LiveVote.Server.Security.Risk;
using LiveVote.Server.Security.Tokens;
using LiveVote.Server.Telemetry;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Votes;

public static class VoteEndpoints
{
    /// <summary><c>/votes</c> in the poll's <see cref="PollGroup"/> (id already checked): the hot path.</summary>
    public static RouteGroupBuilder MapVotes(this RouteGroupBuilder poll)
    {
        var group = poll.MapGroup("/votes").WithTags("Votes");

        // The ingress is taken from the root provider once, not from each vote's RequestServices: nothing else on the
        // vote path asks for a service, so a vote creates no service scope (nor disposes one).
        var services = ((IEndpointRouteBuilder)poll).ServiceProvider;
        VoteIngress? ingress = null;
        group.MapPost("/", (string pollId, HttpContext context) => CastAsync(pollId, context, ingress ??= services.GetRequiredService<VoteIngress>()))
            .Accepts<CastVoteRequest>("application/json").WithRequestKind(RequestKind.Vote)
            .Produces<VoteResponse>(StatusCodes.Status201Created)
            .Produces<VoteResponse>(StatusCodes.Status200OK)
            .ProducesBodyProblems()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status428PreconditionRequired)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return group;
    }

    /// <summary>
    /// Casts a vote. Everything that can be decided without the store is decided here (token, poll, option, queue
    /// room); the rest is the writer's, and the answer comes only once the vote is durable. It writes its own answer
    /// rather than returning a Results&lt;Created, Ok, ProblemHttpResult&gt; union: the union, its two wrappers and the
    /// framework's asynchronous JSON writer cost the vote path ~10% of its CPU (bench/README.md, "HTTP pipeline of the
    /// vote route"); a refusal is still the very ProblemHttpResult it was, executed here.
    /// </summary>
    private static async Task CastAsync(
        string pollId,
        HttpContext context,
        VoteIngress ingress)
    {
        var started = Stopwatch.GetTimestamp();

        // The body first, as parameter binding did: a request that cannot be read is 4xx whatever else is wrong.
        var (request, unreadable) = await VoteBody.ReadAsync(context.Request);
        if (request is null)
        {
            await unreadable!.ExecuteAsync(context);
            return;
        }

        // Spans only when the request is sampled: an unsampled vote allocates none.
        using var validating = LiveVoteTelemetry.StartVoteValidation();
        var (tokenError, token) = await ingress.Tokens.ValidateHeaderAsync(context.Request.Headers.Authorization);
        if (tokenError != TokenError.None)
        {
            LiveVoteTelemetry.VoteRefused("unauthorized");
            await Problems.Unauthorized(TokenMessage(tokenError)).ExecuteAsync(context);
            return;
        }

        if (ingress.ViewerLimit.TryTake(context, token.ViewerId) is { } limited)
        {
            await limited.ExecuteAsync(context);
            return;
        }

        if (!ingress.Polls.TryGet(pollId, out var poll) || poll.Status == PollStatus.Draft)
        {
            // With a shared store another node may have created or opened the poll a moment ago: ask the store before
            // a 404, which clients take as final.
            try
            {
                poll = await ingress.PollLookup.RefreshAsync(pollId, context.RequestAborted);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The store cannot say now: a 404 would be taken as final, so ask for the same vote again shortly.
                LiveVoteTelemetry.VoteRefused(ErrorCodes.StoreUnavailable);
                await Problems.Unavailable(context, ErrorCodes.StoreUnavailable, "The poll could not be looked up; send the same vote again shortly.",
                    ingress.RetryAfterSeconds).ExecuteAsync(context);
                return;
            }

            if (poll is null or { Status: PollStatus.Draft })
            {
                LiveVoteTelemetry.VoteRefused("poll-not-found");
                await Problems.PollNotFound(pollId).ExecuteAsync(context);
                return;
            }
        }

        var optionIndex = request.OptionId is null ? -1 : poll.IndexOfOption(request.OptionId);
        if (optionIndex < 0)
        {
            LiveVoteTelemetry.VoteRefused("unknown-option");
            await Problems.Create(StatusCodes.Status422UnprocessableEntity, ErrorCodes.UnknownOption, "No such option.",
                $"Poll '{pollId}' has no option '{Truncate(request.OptionId)}'.").ExecuteAsync(context);
            return;
        }

        // A vote the risk score refuses still goes to the writer, withheld: a voter whose vote already stands gets it
        // back (a retry always gets its first answer), anyone else gets the refusal. A closed poll is not scored: the
        // store answers a standing vote or refuses.
        VoterKey voterKey;
        try
        {
            if (!ingress.VoterKeys.TryDerive(poll, token.ViewerId, out voterKey))
            {
                // The poll's voter-key secret was destroyed after its audit period: it closed long ago.
                LiveVoteTelemetry.VoteRefused(ErrorCodes.PollNotOpen);
                await PollNotOpen(pollId).ExecuteAsync(context);
                return;
            }
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            // This node cannot open the poll's secret (its LiveVote:VoterKeySecret differs from the node that created the
            // poll): keying the viewer any other way would put them in another partition, so the vote goes elsewhere.
            LiveVoteTelemetry.VoteRefused("voter-secret-unreadable");
            await Problems.Unavailable(context, ErrorCodes.StoreUnavailable, "The vote cannot be taken on this node; send the same vote again shortly.",
                ingress.RetryAfterSeconds).ExecuteAsync(context);
            return;
        }

        var refused = poll.Status == PollStatus.Open ? await ingress.Risk.CheckAsync(context, poll, optionIndex, voterKey, token.IssuedAt) : null;

        validating?.Stop();
        var completion = ingress.Completions.Rent();
        var enqueue = LiveVoteTelemetry.StartVoteEnqueue();
        completion.Trace = enqueue?.Context ?? default;
        var queued = ingress.Router.TryEnqueueVote(WriterCommand.Vote(poll, optionIndex, voterKey, completion, withheld: refused is not null));
        enqueue?.Dispose();
        if (!queued)
        {
            ingress.Completions.Return(completion);
            LiveVoteTelemetry.VoteRefused("overloaded");
            await Problems.Unavailable(context, ErrorCodes.Overloaded, "Too many votes are waiting to be stored; send the same vote again shortly.",
                ingress.RetryAfterSeconds).ExecuteAsync(context);
            return;
        }

        var result = await completion.Task;
        ingress.Completions.Return(completion);
        LiveVoteTelemetry.VoteAnswered(result.Outcome, Stopwatch.GetElapsedTime(started));
        if (result.Outcome is VoteOutcome.Accepted or VoteOutcome.Duplicate)
        {
            var accepted = result.Outcome == VoteOutcome.Accepted;
            var partition = poll.PartitionCount > 1 ? VoterPartitioner.PartitionOf(voterKey, poll.PartitionCount) : 0;
            ingress.Answers.Write(context, accepted ? StatusCodes.Status201Created : StatusCodes.Status200OK,
                accepted ? VoteStatuses.Accepted : VoteStatuses.Duplicate, result, partition, partitioned: poll.PartitionCount > 1);
            return;
        }

        var refusal = result.Outcome switch
        {
            VoteOutcome.AlreadyVoted => Problems.Create(StatusCodes.Status409Conflict, ErrorCodes.AlreadyVoted, "You have already voted in this poll.",
                "Only the first vote counts; it stands unchanged."),
            VoteOutcome.PollNotOpen => PollNotOpen(pollId),
            VoteOutcome.Withheld when refused is not null => refused,
            _ => Problems.Unavailable(context, ErrorCodes.StoreUnavailable, "The vote could not be stored; send the same vote again shortly.",
                ingress.RetryAfterSeconds),
        };
        await refusal.ExecuteAsync(context);
    }

    private static ProblemHttpResult PollNotOpen(string pollId) =>
        Problems.Create(StatusCodes.Status409Conflict, ErrorCodes.PollNotOpen, "The poll is not open for voting.", $"Poll '{pollId}' is not open.");

    private static string TokenMessage(TokenError error) => error switch
    {
        TokenError.Missing => "Send 'Authorization: Bearer <token>' from POST /v1/viewers.",
        TokenError.Expired => "The token has expired: register again.",
        _ => "The token is not valid.",
    };

    private static string Truncate(string? value) => value is null ? "" : value.Length <= 40 ? value : value[..40] + "...";
}

/// <summary>What the vote endpoint needs, resolved once as a singleton instead of five services per request.</summary>
internal sealed class VoteIngress(
    ViewerTokens tokens,
    PollVoterKeys voterKeys,
    PollRegistry polls,
    IngestRouter router,
    VoteCompletionPool completions,
    IOptions<IngestOptions> options,
    VoteRiskGate risk,
    IPollLookup pollLookup,
    ViewerVoteLimit viewerLimit,
    VoteAnswers answers)
{
    public ViewerTokens Tokens { get; } = tokens;

    /// <summary>The viewer's key in the poll: per-poll secret, or the fleet-wide derivation for polls from before.</summary>
    public PollVoterKeys VoterKeys { get; } = voterKeys;

    public PollRegistry Polls { get; } = polls;

    /// <summary>Votes per viewer, keyed on the validated viewer id.</summary>
    public ViewerVoteLimit ViewerLimit { get; } = viewerLimit;

    /// <summary>Asked before a poll the registry does not know (or holds as a draft) is refused.</summary>
    public IPollLookup PollLookup { get; } = pollLookup;

    /// <summary>Picks the queue of the store partition that owns the voter (<see cref="VoterPartitioner"/>).</summary>
    public IngestRouter Router { get; } = router;

    public VoteCompletionPool Completions { get; } = completions;

    public int RetryAfterSeconds { get; } = options.Value.RetryAfterSeconds;

    /// <summary>The risk check (LiveVote:Risk): a vote may need a CAPTCHA or be refused as a suspected bot.</summary>
    public VoteRiskGate Risk { get; } = risk;

    /// <summary>Writes the answer of a vote that stands (201 or 200).</summary>
    public VoteAnswers Answers { get; } = answers;
}
