using LiveVote.Server.Polls;

namespace LiveVote.Server.Tests.Polls;

public sealed class PollRulesTests
{
    [Theory]
    [InlineData("a")]
    [InlineData("abc")]
    [InlineData("a-b")]
    [InlineData("0")]
    [InlineData("p-23456789ab")]
    [InlineData("trailing-")]
    [InlineData("a--b")]
    public void IsPollId_Slug_IsTrue(string id) => Assert.True(PollRules.IsPollId(id));

    [Theory]
    [InlineData("")]
    [InlineData("-a")]
    [InlineData("A")]
    [InlineData("a_b")]
    [InlineData("a b")]
    [InlineData("a.b")]
    [InlineData("a/b")]
    [InlineData("é")]
    [InlineData("a\0")]
    [InlineData("ａ")]
    public void IsPollId_NotSlug_IsFalse(string id) => Assert.False(PollRules.IsPollId(id));

    [Fact]
    public void IsPollId_AtMost40Characters()
    {
        Assert.True(PollRules.IsPollId(new string('a', 40)));
        Assert.False(PollRules.IsPollId(new string('a', 41)));
    }

    [Fact]
    public void IsSlug_HonoursItsMaximum()
    {
        Assert.True(PollRules.IsSlug(new string('o', PollRules.MaxOptionIdLength), PollRules.MaxOptionIdLength));
        Assert.False(PollRules.IsSlug(new string('o', PollRules.MaxOptionIdLength + 1), PollRules.MaxOptionIdLength));
    }

    [Fact]
    public void Validate_ValidDefinition_IsNull()
    {
        Assert.Null(PollRules.Validate("Who wins?", [("a", "Aria"), ("b", "Bruno")]));
        Assert.Null(PollRules.Validate(new string('t', 200), [.. Enumerable.Range(0, 20).Select(i => ((string?)("o" + i), (string?)new string('l', 80)))]));
    }

    public static TheoryData<string, string?, (string?, string?)[]?> InvalidDefinitions() => new()
    {
        { "null title", null, [("a", "A"), ("b", "B")] },
        { "empty title", "", [("a", "A"), ("b", "B")] },
        { "blank title", "   ", [("a", "A"), ("b", "B")] },
        { "title too long", new string('t', 201), [("a", "A"), ("b", "B")] },
        { "no options", "t", null },
        { "zero options", "t", [] },
        { "one option", "t", [("a", "A")] },
        { "21 options", "t", [.. Enumerable.Range(0, 21).Select(i => ((string?)("o" + i), (string?)"L"))] },
        { "duplicate ids", "t", [("a", "A"), ("a", "B")] },
        { "uppercase id", "t", [("a", "A"), ("B", "B")] },
        { "space in id", "t", [("a", "A"), ("b c", "B")] },
        { "leading dash", "t", [("a", "A"), ("-b", "B")] },
        { "null id", "t", [("a", "A"), (null, "B")] },
        { "empty id", "t", [("a", "A"), ("", "B")] },
        { "id too long", "t", [("a", "A"), (new string('b', 33), "B")] },
        { "null label", "t", [("a", "A"), ("b", null)] },
        { "blank label", "t", [("a", "A"), ("b", " ")] },
        { "label too long", "t", [("a", "A"), ("b", new string('l', 81))] },
    };

    [Theory]
    [MemberData(nameof(InvalidDefinitions))]
    public void Validate_InvalidDefinition_SaysWhy(string why, string? title, (string?, string?)[]? options)
    {
        var error = PollRules.Validate(title, options);

        Assert.False(string.IsNullOrWhiteSpace(error), why);
    }

    [Fact]
    public void Validate_DuplicateId_NamesTheId()
    {
        Assert.Contains("'dup'", PollRules.Validate("t", [("dup", "A"), ("b", "B"), ("dup", "C")]), StringComparison.Ordinal);
    }

    [Fact]
    public void Create_TrimsTitleAndLabels_AndStartsAsDraft()
    {
        var at = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

        var poll = PollRules.Create("p-1", "  Final  ", [("a", " Aria "), ("b", "Bruno")], at);

        Assert.Equal("Final", poll.Title);
        Assert.Equal(new[] { new PollOption("a", "Aria"), new PollOption("b", "Bruno") }, poll.Options);
        Assert.Equal(PollStatus.Draft, poll.Status);
        Assert.Equal(at, poll.CreatedAt);
        Assert.Null(poll.OpenedAt);
        Assert.Null(poll.ClosedAt);
    }

    [Fact]
    public void NewPollId_IsAValidSlugAndDiffersEachTime()
    {
        var ids = Enumerable.Range(0, 1000).Select(_ => PollRules.NewPollId()).ToList();

        Assert.All(ids, id => Assert.Matches("^p-[a-z2-9]{10}$", id));
        Assert.All(ids, id => Assert.True(PollRules.IsPollId(id)));
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }
}
