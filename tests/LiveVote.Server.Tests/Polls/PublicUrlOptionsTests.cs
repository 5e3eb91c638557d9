using LiveVote.Server.Polls;

namespace LiveVote.Server.Tests.Polls;

/// <summary><c>LiveVote:PublicBaseUrl</c>: what the start-up check accepts, and the base the vote URLs are built on.</summary>
public sealed class PublicUrlOptionsTests
{
    [Theory]
    [InlineData(null, null)]
    [InlineData("", null)]
    [InlineData("https://vote.example.com", "https://vote.example.com")]
    [InlineData("https://vote.example.com/", "https://vote.example.com")]
    [InlineData("http://localhost:5000/", "http://localhost:5000")]
    [InlineData("https://broadcaster.example/shows/quiz//", "https://broadcaster.example/shows/quiz")]
    public void UsableBase_PassesTheCheck_WithoutItsTrailingSlash(string? configured, string? normalized)
    {
        var options = new PublicUrlOptions { PublicBaseUrl = configured };

        Assert.Null(options.Problem());
        Assert.Equal(normalized, options.Normalized());
    }

    [Theory]
    [InlineData("vote.example.com")]
    [InlineData("/vote")]
    [InlineData("ftp://vote.example.com")]
    [InlineData("javascript:alert(1)")]
    [InlineData("https://vote.example.com/?utm=tv")]
    [InlineData("https://vote.example.com/#top")]
    [InlineData("https://user:secret@vote.example.com")]
    public void UnusableBase_IsRefusedWithAReasonNamingTheKey(string configured)
    {
        var problem = new PublicUrlOptions { PublicBaseUrl = configured }.Problem();

        Assert.NotNull(problem);
        Assert.StartsWith("LiveVote:PublicBaseUrl", problem, StringComparison.Ordinal);
    }
}
