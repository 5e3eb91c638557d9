using LiveVote.Contracts;
using LiveVote.Server.Security.Admin;
using LiveVote.Server.Audit;
using LiveVote.Server.Hosting;
using LiveVote.Server.Polls;
using LiveVote.Server.Security.Captcha;
using LiveVote.Server.Security.Evidence;
using LiveVote.Server.Security.RateLimiting;
using LiveVote.Server.Storage;
using LiveVote.Server.Telemetry;
using LiveVote.Server.Votes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Security.Risk;

/// <summary>
/// The risk check of the vote endpoint, run once the vote is otherwise valid and before it is queued. It scores the
/// vote (<see cref="RiskScorer"/>) and then:
/// <list type="bullet">
/// <item>below <see cref="RiskOptions.CaptchaThreshold"/>: nothing (the common case: no allocation, no await);</item>
/// <item>from <see cref="RiskOptions.BlockThreshold"/>: 403 <c>suspected-bot</c>;</item>
/// <item>in between: the vote needs a fresh CAPTCHA solution in the <c>X-Captcha</c> header; without one, 428
/// <c>captcha-required</c> with a challenge; with a valid one the vote goes on; with a bad one, the CAPTCHA's own
/// refusal (403 <c>captcha-*</c>).</item>
/// </list>
/// Each decision is counted in <c>livevote.risk.decisions</c> and written to the audit trail as a
/// <see cref="AuditKinds.RiskDecision"/> entry (once per voter, poll and action per <see cref="RiskOptions.NoteRepeatWindow"/>)
/// that says only what was decided; its network and signals go to the restricted, expiring evidence store (<see cref="RiskEvidenceRecorder"/>).
/// Admin-key requests (a trusted back end relaying its users' votes from its own servers) are not scored.
/// </summary>
internal sealed class VoteRiskGate
{
    public const string CaptchaHeader = "X-Captcha";
    public const string CaptchaRequired = "captcha-required";
    public const string SuspectedBot = "suspected-bot";
    public const string CaptchaPassed = "captcha-passed";
    public const string CaptchaFailed = "captcha-failed";

    private const int NoteSlots = 16_384;
    private static readonly string[] Actions = [CaptchaRequired, SuspectedBot, CaptchaPassed];

    private readonly RiskScorer _scorer;
    private readonly AuditNotes _notes;
    private readonly RiskEvidenceRecorder _evidence;
    private readonly ICaptchaVerifier _captcha;
    private readonly AltchaChallenges _challenges;
    private readonly bool _enabled;
    private readonly double _captchaThreshold;
    private readonly double _blockThreshold;
    private readonly double _youngWeight;
    private readonly SlidingWindowCounter _noted;

    public VoteRiskGate(
        RiskScorer scorer, IOptions<RiskOptions> options, AuditNotes notes, RiskEvidenceRecorder evidence, ICaptchaVerifier captcha,
        AltchaChallenges challenges, TimeProvider time)
    {
        _scorer = scorer;
        _notes = notes;
        _evidence = evidence;
        _captcha = captcha;
        _challenges = challenges;
        var o = options.Value;
        _enabled = o.Enabled;
        _captchaThreshold = o.CaptchaThreshold;
        _blockThreshold = o.BlockThreshold;
        _youngWeight = o.YoungAccount.Weight;
        _noted = new SlidingWindowCounter(NoteSlots, o.NoteRepeatWindow, time);
    }

    /// <summary>
    /// Null when the vote may go on; else the answer that refuses it. <paramref name="tokenIssuedAt"/> is the validated
    /// viewer token's <c>iat</c> (null when it has none), for the young-account signal.
    /// </summary>
    public ValueTask<ProblemHttpResult?> CheckAsync(HttpContext context, Poll poll, int optionIndex, VoterKey voterKey, DateTimeOffset? tokenIssuedAt)
    {
        if (!_enabled || AdminKey.IsVerified(context))
        {
            return ValueTask.FromResult<ProblemHttpResult?>(null);
        }

        var client = ClientNetwork.Of(context);
        var headers = context.Request.Headers;
        var assessment = _scorer.RecordVote(client, headers.UserAgent.ToString(), headers.AcceptLanguage.ToString(), poll.Id, optionIndex, null);

        // The token's age counts only when it could matter: most votes are far below the threshold.
        if (assessment.Score + _youngWeight >= _captchaThreshold)
        {
            assessment = assessment with { YoungAccount = _scorer.YoungAccountPoints(tokenIssuedAt) };
        }

        if (assessment.Score < _captchaThreshold)
        {
            return ValueTask.FromResult<ProblemHttpResult?>(null);
        }

        if (assessment.Score >= _blockThreshold)
        {
            Decide(SuspectedBot, assessment, client, poll.Id, voterKey);
            return ValueTask.FromResult<ProblemHttpResult?>(Problems.Create(StatusCodes.Status403Forbidden, ErrorCodes.SuspectedBot,
                "The vote was refused.", "Votes from this network look automated right now; this vote was not counted."));
        }

        var solution = headers[CaptchaHeader];
        if (solution.Count != 1 || string.IsNullOrEmpty(solution[0]))
        {
            Decide(CaptchaRequired, assessment, client, poll.Id, voterKey);
            return ValueTask.FromResult<ProblemHttpResult?>(CaptchaNeeded());
        }

        return VerifyAsync(context, solution[0]!, assessment, client, poll.Id, voterKey);
    }

    private async ValueTask<ProblemHttpResult?> VerifyAsync(
        HttpContext context, string solution, RiskAssessment assessment, ClientNetwork client, string pollId, VoterKey voterKey)
    {
        var outcome = await _captcha.VerifyAsync(solution, context.Connection.RemoteIpAddress?.ToString(), context.RequestAborted);
        switch (outcome)
        {
            case CaptchaOutcome.Passed:
                Decide(CaptchaPassed, assessment, client, pollId, voterKey);
                return null;
            case CaptchaOutcome.Missing:
                Decide(CaptchaRequired, assessment, client, pollId, voterKey);
                return CaptchaNeeded();
            default:
                LiveVoteTelemetry.RiskDecided(CaptchaFailed, RiskSignals.Name(assessment.MainSignal));
                LiveVoteTelemetry.VoteRefused(CaptchaFailed);
                return CaptchaProblems.For(outcome, _captcha.Provider, context);
        }
    }

    /// <summary>428 with what the client needs to solve: the challenge itself (ALTCHA) or the provider to ask.</summary>
    private ProblemHttpResult CaptchaNeeded()
    {
        var problem = Problems.Create(StatusCodes.Status428PreconditionRequired, ErrorCodes.CaptchaRequired, "This vote needs a solved CAPTCHA.",
            $"Votes from this network look automated right now. Solve the challenge and send the same vote again with the solution in the {CaptchaHeader} header (base64, as the ALTCHA widget produces it).");
        var extensions = problem.ProblemDetails.Extensions;
        extensions["captchaHeader"] = CaptchaHeader;
        if (_captcha.Provider == CaptchaProvider.Altcha)
        {
            extensions["challenge"] = _challenges.Create();
            extensions["challengeUrl"] = "/v1/captcha/challenge";
        }
        else
        {
            extensions["provider"] = _captcha.Provider.ToString().ToLowerInvariant();
        }

        return problem;
    }

    private void Decide(string action, in RiskAssessment assessment, in ClientNetwork client, string pollId, VoterKey voterKey)
    {
        LiveVoteTelemetry.RiskDecided(action, RiskSignals.Name(assessment.MainSignal));
        if (action != CaptchaPassed)
        {
            LiveVoteTelemetry.VoteRefused(action);
        }

        var repeatKey = KeyHasher.Combine(
            KeyHasher.Combine(KeyHasher.Hash(new UInt128(voterKey.High, voterKey.Low), 0), KeyHasher.Hash(pollId, 0)),
            (ulong)Array.IndexOf(Actions, action));
        if (_noted.Add(repeatKey) == 1)
        {
            var reference = _evidence.Record(
                AuditKinds.RiskDecision, action, pollId, voterKey.ToArray(), client.NetworkText(), AuditNoteData.RiskSignalsDetail(assessment));
            _notes.Post(new AuditNote(AuditKinds.RiskDecision, pollId, voterKey, AuditNoteData.RiskDecision(action, assessment, reference)));
        }
    }
}
