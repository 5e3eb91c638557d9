using LiveVote.Server.Security.Risk;
using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Server.Tests.Security.Risk;

public sealed class TokenIssuedAtTests
{
    [Fact]
    public void Read_GivesTheIatOfABearerToken()
    {
        var expires = new DateTimeOffset(2030, 5, 1, 12, 0, 0, TimeSpan.Zero);
        var token = TestTokens.Create("viewer-1", expires);

        Assert.Equal(expires.AddHours(-1), TokenIssuedAt.Read("Bearer " + token));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Bearer")]
    [InlineData("Basic dXNlcjpwYXNz")]
    [InlineData("Bearer abc")]
    [InlineData("Bearer a.b.c")]
    [InlineData("Bearer a.!!!.c")]
    [InlineData("Bearer eyJhbGciOiJIUzI1NiJ9.eyJpYXQiOiJub3ctaXNoIn0.c2ln")]
    [InlineData("Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln")]
    public void Read_WithoutAReadableIat_IsNull(string? authorization)
    {
        Assert.Null(TokenIssuedAt.Read(authorization));
    }
}
