using System.Net;
using System.Net.Http.Headers;
using System.Text;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Server.Tests.Votes;

/// <summary>Malformed, mistyped, oversized and mislabelled vote bodies: a clear 4xx problem, and nothing stored.</summary>
public sealed class VoteBadInputTests(PopulatedServer fixture) : IClassFixture<PopulatedServer>
{
    private static readonly string Oversized = "{\"optionId\":\"a\",\"padding\":\"" + new string('x', 5000) + "\"}";

    [Theory]
    [InlineData("{\"optionId\":", "application/json", HttpStatusCode.BadRequest, ErrorCodes.InvalidRequest)]
    [InlineData("{optionId:'a'}", "application/json", HttpStatusCode.BadRequest, ErrorCodes.InvalidRequest)]
    [InlineData("{\"optionId\":5}", "application/json", HttpStatusCode.BadRequest, ErrorCodes.InvalidRequest)]
    [InlineData("{\"optionId\":true}", "application/json", HttpStatusCode.BadRequest, ErrorCodes.InvalidRequest)]
    [InlineData("{\"optionId\":[\"a\"]}", "application/json", HttpStatusCode.BadRequest, ErrorCodes.InvalidRequest)]
    [InlineData("{\"optionId\":{\"id\":\"a\"}}", "application/json", HttpStatusCode.BadRequest, ErrorCodes.InvalidRequest)]
    [InlineData("[\"a\"]", "application/json", HttpStatusCode.BadRequest, ErrorCodes.InvalidRequest)]
    [InlineData("\"a\"", "application/json", HttpStatusCode.BadRequest, ErrorCodes.InvalidRequest)]
    [InlineData("null", "application/json", HttpStatusCode.BadRequest, ErrorCodes.InvalidRequest)]
    [InlineData("", "application/json", HttpStatusCode.BadRequest, ErrorCodes.InvalidRequest)]
    [InlineData("{}", "application/json", HttpStatusCode.UnprocessableEntity, ErrorCodes.UnknownOption)]
    [InlineData("{\"optionId\":null}", "application/json", HttpStatusCode.UnprocessableEntity, ErrorCodes.UnknownOption)]
    [InlineData("{\"optionId\":\"\"}", "application/json", HttpStatusCode.UnprocessableEntity, ErrorCodes.UnknownOption)]
    [InlineData("{\"optionId\":\"A\"}", "application/json", HttpStatusCode.UnprocessableEntity, ErrorCodes.UnknownOption)]
    [InlineData("{\"optionId\":\"a \"}", "application/json", HttpStatusCode.UnprocessableEntity, ErrorCodes.UnknownOption)]
    [InlineData("{\"optionId\":\"a\"}", "text/plain", HttpStatusCode.UnsupportedMediaType, ErrorCodes.UnsupportedMediaType)]
    [InlineData("{\"optionId\":\"a\"}", "application/xml", HttpStatusCode.UnsupportedMediaType, ErrorCodes.UnsupportedMediaType)]
    [InlineData("optionId=a", "application/x-www-form-urlencoded", HttpStatusCode.UnsupportedMediaType, ErrorCodes.UnsupportedMediaType)]
    [InlineData("{\"optionId\":\"a\"}", null, HttpStatusCode.UnsupportedMediaType, ErrorCodes.UnsupportedMediaType)]
    public async Task Vote_WithBadBody_IsRefusedWithProblemAndChangesNothing(string body, string? contentType, HttpStatusCode status, string code)
    {
        var before = await StoredState.CaptureAsync(fixture.Server);

        var response = await Api.SendRawAsync(fixture.Server.Client(), HttpMethod.Post, $"/v1/polls/{fixture.OpenPoll.Id}/votes", body, contentType, fixture.Viewer.Token);

        await ProblemAssert.IsAsync(response, status, code);
        Assert.Equal(before, await StoredState.CaptureAsync(fixture.Server));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Vote_WithBodyOver4KiB_IsPayloadTooLargeAndChangesNothing(bool chunked)
    {
        var before = await StoredState.CaptureAsync(fixture.Server);
        var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/polls/{fixture.OpenPoll.Id}/votes")
        {
            Content = chunked ? new UnknownLengthContent(Oversized) : new StringContent(Oversized, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", fixture.Viewer.Token);

        var response = await fixture.Server.Client().SendAsync(request);

        await ProblemAssert.IsAsync(response, HttpStatusCode.RequestEntityTooLarge, ErrorCodes.PayloadTooLarge);
        Assert.Equal(before, await StoredState.CaptureAsync(fixture.Server));
    }

    [Fact]
    public async Task Vote_WithInvalidUtf8Body_IsBadRequestAndChangesNothing()
    {
        var before = await StoredState.CaptureAsync(fixture.Server);
        var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/polls/{fixture.OpenPoll.Id}/votes")
        {
            Content = new ByteArrayContent([.. "{\"optionId\":\""u8, 0xC3, 0x28, .. "\"}"u8]),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", fixture.Viewer.Token);

        var response = await fixture.Server.Client().SendAsync(request);

        await ProblemAssert.IsAsync(response, HttpStatusCode.BadRequest, ErrorCodes.InvalidRequest);
        Assert.Equal(before, await StoredState.CaptureAsync(fixture.Server));
    }

    [Fact]
    public async Task Vote_WithDeeplyNestedBody_IsBadRequestAndChangesNothing()
    {
        var before = await StoredState.CaptureAsync(fixture.Server);
        var nested = "{\"optionId\":\"a\",\"x\":" + new string('[', 200) + new string(']', 200) + "}";

        var response = await Api.SendRawAsync(fixture.Server.Client(), HttpMethod.Post, $"/v1/polls/{fixture.OpenPoll.Id}/votes", nested, "application/json", fixture.Viewer.Token);

        await ProblemAssert.IsAsync(response, HttpStatusCode.BadRequest, ErrorCodes.InvalidRequest);
        Assert.Equal(before, await StoredState.CaptureAsync(fixture.Server));
    }

    /// <summary>Sent with <c>Transfer-Encoding: chunked</c>: the server cannot refuse it by Content-Length alone.</summary>
    private sealed class UnknownLengthContent : HttpContent
    {
        private readonly byte[] _bytes;

        public UnknownLengthContent(string text)
        {
            _bytes = Encoding.UTF8.GetBytes(text);
            Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(_bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
