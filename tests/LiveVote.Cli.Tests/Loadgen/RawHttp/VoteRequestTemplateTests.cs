using System.Text;
using LiveVote.Cli.Loadgen.RawHttp;

namespace LiveVote.Cli.Tests.Loadgen.RawHttp;

public sealed class VoteRequestTemplateTests
{
    private static readonly VoteRequestTemplate Template = new(new Uri("http://127.0.0.1:5123/"), "/v1/polls/p1/votes",
        [Encoding.ASCII.GetBytes("{\"optionId\":\"o1\"}"), Encoding.ASCII.GetBytes("{\"optionId\":\"o22\"}")]);

    [Fact]
    public void Write_LaysOutTheWholeRequest()
    {
        var buffer = new byte[Template.Length("tok.en-_", 1)];

        var length = Template.Write(buffer, "tok.en-_", 1);

        Assert.Equal(buffer.Length, length);
        Assert.Equal(
            "POST /v1/polls/p1/votes HTTP/1.1\r\nHost: 127.0.0.1:5123\r\nContent-Type: application/json\r\nAuthorization: Bearer tok.en-_\r\n" +
            "Content-Length: 18\r\n\r\n{\"optionId\":\"o22\"}",
            Encoding.ASCII.GetString(buffer, 0, length));
    }

    [Theory]
    [InlineData("abc\r\nX-Admin-Key: k")]
    [InlineData("t\u00f6ken")]
    public void Write_TokenThatIsNotOneAsciiLine_IsRefused(string token)
    {
        var buffer = new byte[512];

        Assert.Throws<ArgumentException>(() => Template.Write(buffer, token, 0));
    }
}
