using LiveVote.Cli.Loadgen;

namespace LiveVote.Cli.Tests.Loadgen;

public sealed class LoadChecksTests
{
    private static readonly CheckInputs Clean = new(false, 100, 100, 100, 0, 0, 0, 100, 100);

    [Fact]
    public void Evaluate_EverythingAgrees_Passes() =>
        Assert.All(LoadChecks.Evaluate(Clean), c => Assert.True(c.Passed, c.Name));

    [Fact]
    public void Evaluate_AcknowledgedVoteMissingFromResults_FailsTheResultsCheck() =>
        AssertOnlyFailure(Clean with { ResultsTotal = 99 }, "accepted-equals-results-total");

    [Fact]
    public void Evaluate_DuplicateCountedInAudit_FailsTheAuditCheck() =>
        AssertOnlyFailure(Clean with { AuditVoteEntries = 101 }, "accepted-equals-audit-vote-entries");

    [Fact]
    public void Evaluate_AcknowledgedIdNotInAudit_Fails() =>
        AssertOnlyFailure(Clean with { AcknowledgedIdsMissingFromAudit = 1 }, "every-acknowledged-vote-id-in-audit");

    [Fact]
    public void Evaluate_ServerError_FailsNo5xx() =>
        AssertOnlyFailure(Clean with { ServerErrorsOtherThan503 = 1 }, "no-5xx");

    [Fact]
    public void Evaluate_RetryAnsweredWrongly_Fails() =>
        AssertOnlyFailure(Clean with { WrongAnswers = 3 }, "every-answer-as-expected");

    [Fact]
    public void Evaluate_VoteNeverSeenOnStream_Fails() =>
        AssertOnlyFailure(Clean with { VisibleOnStream = 99 }, "every-acknowledged-vote-visible-on-stream");

    [Fact]
    public void Evaluate_AnswerOutsideThePromise_FailsTheAnswersCheck() =>
        AssertOnlyFailure(Clean with { UnexpectedAnswers = 1 }, "answers");

    [Fact]
    public void Evaluate_TransportErrors_AreReportedButFailNothing()
    {
        var checks = LoadChecks.Evaluate(Clean with { TransportErrors = 7 });

        Assert.All(checks, c => Assert.True(c.Passed, c.Name));
        Assert.Contains("7 transport errors", checks.Single(c => c.Name == "answers").Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(200, false, true)]
    [InlineData(201, false, true)]
    [InlineData(202, false, true)]
    [InlineData(409, false, true)]
    [InlineData(503, true, true)]
    [InlineData(503, false, false)]
    [InlineData(500, true, false)]
    [InlineData(502, false, false)]
    [InlineData(429, true, false)]
    [InlineData(400, false, false)]
    [InlineData(401, false, false)]
    [InlineData(404, false, false)]
    public void IsPromised_OnlyTwoHundredsConflictsAnd503WithRetryAfter(int status, bool hasRetryAfter, bool promised) =>
        Assert.Equal(promised, VoteTally.IsPromised(status, hasRetryAfter));

    [Fact]
    public void Tally_503WithoutRetryAfter_IsCountedUnexpectedAndNamed()
    {
        var tally = new VoteTally();

        tally.Status(503, hasRetryAfter: true);
        tally.Status(201, hasRetryAfter: false);
        tally.Status(503, hasRetryAfter: false);

        Assert.Equal(1, tally.UnexpectedAnswers);
        Assert.Equal(["answer 503 without Retry-After"], tally.Surprises);
        Assert.Equal(2, tally.ByStatus()["503"]);
    }

    [Fact]
    public void Evaluate_Baseline_ChecksOnlyAnswers()
    {
        var checks = LoadChecks.Evaluate(new CheckInputs(true, 0, 0, 0, 0, 0, 0, 0, 0));

        Assert.Equal(["no-5xx", "every-answer-as-expected"], checks.Select(c => c.Name));
        Assert.All(checks, c => Assert.True(c.Passed));
    }

    private static void AssertOnlyFailure(CheckInputs inputs, string name) =>
        Assert.Equal([name], LoadChecks.Evaluate(inputs).Where(c => !c.Passed).Select(c => c.Name));
}
