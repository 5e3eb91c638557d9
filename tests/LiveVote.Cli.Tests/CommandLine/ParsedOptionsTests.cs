using LiveVote.Cli.CommandLine;

namespace LiveVote.Cli.Tests.CommandLine;

public sealed class ParsedOptionsTests
{
    private static readonly OptionSpec[] Specs =
    [
        new("postgres", ValueName: "connection string", "", Repeatable: true),
        new("sqlite", ValueName: "path", ""),
    ];

    [Fact]
    public void Parse_RepeatableOption_KeepsEveryValueInCommandLineOrder()
    {
        var options = ParsedOptions.Parse(["--postgres", "Host=p0", "--postgres=Host=p1", "--postgres", "Host=p2"], Specs);

        Assert.Equal(["Host=p0", "Host=p1", "Host=p2"], options.Values("postgres"));
        Assert.True(options.Has("postgres"));
    }

    [Fact]
    public void Parse_OptionGivenOnce_HasOneValue()
    {
        var options = ParsedOptions.Parse(["--sqlite", "a.db"], Specs);

        Assert.Equal(["a.db"], options.Values("sqlite"));
        Assert.Empty(options.Values("postgres"));
    }

    [Fact]
    public void Parse_OptionThatIsNotRepeatableGivenTwice_IsAUsageError()
    {
        var error = Assert.Throws<UsageException>(() => ParsedOptions.Parse(["--sqlite", "a.db", "--sqlite", "b.db"], Specs));

        Assert.Equal("--sqlite is given twice.", error.Message);
    }
}
