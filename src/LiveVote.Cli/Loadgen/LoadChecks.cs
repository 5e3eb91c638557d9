namespace LiveVote.Cli.Loadgen;

internal sealed record CheckResult(string Name, bool Passed, string Detail);

/// <summary>The counts the end-of-run checks compare (pure data, so the rules are tested on their own).</summary>
internal sealed record CheckInputs(
    bool Baseline,
    long Accepted,
    long ResultsTotal,
    long AuditVoteEntries,
    int AcknowledgedIdsMissingFromAudit,
    long WrongAnswers,
    long ServerErrorsOtherThan503,
    long Acknowledged,
    long VisibleOnStream,
    long UnexpectedAnswers = 0,
    long TransportErrors = 0);

/// <summary>
/// The end-of-run verdict: nothing acknowledged was lost or counted twice, every injected duplicate was refused the
/// right way, and the server never failed. Any failed check makes the command exit 1.
/// </summary>
internal static class LoadChecks
{
    public static IReadOnlyList<CheckResult> Evaluate(CheckInputs facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var checks = new List<CheckResult>
        {
            new("no-5xx", facts.ServerErrorsOtherThan503 == 0,
                $"{facts.ServerErrorsOtherThan503} server errors other than 503 back-pressure (503s carry Retry-After and were retried)"),
            new("every-answer-as-expected", facts.WrongAnswers == 0,
                $"{facts.WrongAnswers} answers differ from the expected 201 first vote / 200 same-id retry / 409 second vote" + (facts.Baseline ? " / 202 baseline" : "")),
        };
        if (facts.Baseline)
        {
            return checks;
        }

        // Contract 3 of issue 16 (a rolling deploy is judged by it): every answer is one the API promises. Transport
        // errors are not answers: they were retried with the same vote and are reported, never counted lost.
        checks.Add(new("answers", facts.UnexpectedAnswers == 0,
            $"{facts.UnexpectedAnswers} answers other than 2xx, 409, or 503 with Retry-After; {facts.TransportErrors} transport errors (retried with the same vote)"));
        checks.Add(new("accepted-equals-results-total", facts.Accepted == facts.ResultsTotal,
            $"{facts.Accepted} acknowledged first votes, results total {facts.ResultsTotal}"));
        checks.Add(new("accepted-equals-audit-vote-entries", facts.Accepted == facts.AuditVoteEntries,
            $"{facts.Accepted} acknowledged first votes, {facts.AuditVoteEntries} vote entries in the poll's audit trail"));
        checks.Add(new("every-acknowledged-vote-id-in-audit", facts.AcknowledgedIdsMissingFromAudit == 0,
            $"{facts.AcknowledgedIdsMissingFromAudit} acknowledged vote ids with no audit vote entry of that seq"));
        checks.Add(new("every-acknowledged-vote-visible-on-stream", facts.VisibleOnStream >= facts.Acknowledged,
            $"{facts.VisibleOnStream} of {facts.Acknowledged} acknowledged votes seen in a results event"));
        return checks;
    }
}
