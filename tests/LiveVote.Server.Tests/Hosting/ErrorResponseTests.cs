using System.Net;
using System.Net.Sockets;
using System.Text;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Server.Tests.Hosting;

/// <summary>Errors the framework produces itself (no route, wrong method) are problem+json with a code too, whatever the request accepts.</summary>
public sealed class ErrorResponseTests(PopulatedServer fixture) : IClassFixture<PopulatedServer>
{
    [Theory]
    [InlineData("GET", "/v1/nothing-here")]
    [InlineData("POST", "/v1/polls/a/b/c/d")]
    [InlineData("GET", "/v2/polls")]
    public async Task UnknownRoute_IsNotFoundProblem(string method, string path)
    {
        var response = await fixture.Server.Client().SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        await ProblemAssert.IsAsync(response, HttpStatusCode.NotFound, ErrorCodes.NotFound);
    }

    [Theory]
    [InlineData("text/html")]
    [InlineData("application/xml")]
    [InlineData("image/png, text/plain;q=0.5")]
    public async Task Errors_AreProblemJson_WhateverTheRequestAccepts(string accept)
    {
        using var client = fixture.Server.Client();
        client.DefaultRequestHeaders.TryAddWithoutValidation("Accept", accept);

        await ProblemAssert.IsAsync(await client.GetAsync("/v1/nothing-here"), HttpStatusCode.NotFound, ErrorCodes.NotFound);
        await ProblemAssert.IsAsync(await client.DeleteAsync("/v1/polls"), HttpStatusCode.MethodNotAllowed, ErrorCodes.MethodNotAllowed);
        await ProblemAssert.IsAsync(await Api.SendRawAsync(client, HttpMethod.Post, "/v1/viewers", "{\"displayName\":"), HttpStatusCode.BadRequest, ErrorCodes.InvalidRequest);
        await ProblemAssert.IsAsync(await Api.SendRawAsync(client, HttpMethod.Post, "/v1/viewers", new string('x', 5000)), HttpStatusCode.RequestEntityTooLarge, ErrorCodes.PayloadTooLarge);
    }

    [Theory]
    [InlineData("DELETE", "/v1/polls")]
    [InlineData("PATCH", "/v1/polls/{0}")]
    [InlineData("GET", "/v1/polls/{0}/votes")]
    [InlineData("DELETE", "/v1/polls/{0}/votes")]
    [InlineData("PATCH", "/v1/viewers")]
    public async Task WrongMethod_IsMethodNotAllowedProblemAndChangesNothing(string method, string path)
    {
        var before = await StoredState.CaptureAsync(fixture.Server);

        var response = await fixture.Server.AdminClient().SendAsync(new HttpRequestMessage(new HttpMethod(method), string.Format(System.Globalization.CultureInfo.InvariantCulture, path, fixture.OpenPoll.Id)));

        await ProblemAssert.IsAsync(response, HttpStatusCode.MethodNotAllowed, ErrorCodes.MethodNotAllowed);
        Assert.Equal(before, await StoredState.CaptureAsync(fixture.Server));
    }

    [Fact]
    public async Task RequestLineWithNulByte_IsRefusedByKestrelAndChangesNothing()
    {
        // Kestrel refuses such a request line before any application code runs, so it answers a bare 400 (no
        // problem+json is possible there); what matters is that it is a 4xx and nothing is stored.
        var before = await StoredState.CaptureAsync(fixture.Server);
        var address = fixture.Server.Client().BaseAddress!;
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(address.Host, address.Port);
        var stream = tcp.GetStream();
        var body = "{\"optionId\":\"a\"}";
        var request = $"POST /v1/polls/a%00b/votes HTTP/1.1\r\nHost: {address.Authority}\r\nAuthorization: Bearer {fixture.Viewer.Token}\r\n" +
                      $"Content-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.ASCII);

        var statusLine = await reader.ReadLineAsync();

        Assert.StartsWith("HTTP/1.1 400", statusLine, StringComparison.Ordinal);
        Assert.Equal(before, await StoredState.CaptureAsync(fixture.Server));
    }
}
