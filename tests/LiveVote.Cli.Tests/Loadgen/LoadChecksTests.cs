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
    public void Evaluate_Baseline_ChecksOnlyAnswers()
    {
        var checks = LoadChecks.Evaluate(new CheckInputs(true, 0, 0, 0, 0, 0, 0, 0, 0));

        Assert.Equal(["no-5xx", "every-answer-as-expected"], checks.Select(c => c.Name));
        Assert.All(checks, c => Assert.True(c.Passed));
    }

    private static void AssertOnlyFailure(CheckInputs inputs, string name) =>
        Assert.Equal([name], LoadChecks.Evaluate(inputs).Where(c => !c.Passed).Select(c => c.Name));
}
