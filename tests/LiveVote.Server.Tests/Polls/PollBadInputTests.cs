using System.Net;
using System.Text;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Server.Tests.Polls;

/// <summary>Poll definitions that are unreadable or invalid: a clear 4xx problem, and no poll, no audit entry.</summary>
public sealed class PollBadInputTests(PopulatedServer fixture) : IClassFixture<PopulatedServer>
{
    private const string TwoOptions = "[{\"id\":\"a\",\"label\":\"A\"},{\"id\":\"b\",\"label\":\"B\"}]";

    [Theory]
    [InlineData("{\"title\":", "application/json", HttpStatusCode.BadRequest, ErrorCodes.InvalidRequest)]
    [InlineData("{\"title\":5,\"options\":" + TwoOptions + "}", "application/json", HttpStatusCode.BadRequest, ErrorCodes.InvalidRequest)]
    [InlineData("{\"title\":\"t\",\"options\":\"a,b\"}", "application/json", HttpStatusCode.BadRequest, ErrorCodes.InvalidRequest)]
    [InlineData("{\"title\":\"t\",\"options\":{\"id\":\"a\"}}", "application/json", HttpStatusCode.BadRequest, ErrorCodes.InvalidRequest)]
    [InlineData("{\"title\":\"t\",\"options\":[{\"id\":1,\"label\":\"A\"},{\"id\":2,\"label\":\"B\"}]}", "application/json", HttpStatusCode.BadRequest, ErrorCodes.InvalidRequest)]
    [InlineData("{\"title\":\"t\",\"options\":[\"a\",\"b\"]}", "application/json", HttpStatusCode.BadRequest, ErrorCodes.InvalidRequest)]
    [InlineData("[]", "application/json", HttpStatusCode.BadRequest, ErrorCodes.InvalidRequest)]
    [InlineData("null", "application/json", HttpStatusCode.BadRequest, ErrorCodes.InvalidRequest)]
    [InlineData("", "application/json", HttpStatusCode.BadRequest, ErrorCodes.InvalidRequest)]
    [InlineData("{\"title\":\"t\",\"options\":" + TwoOptions + "}", "text/plain", HttpStatusCode.UnsupportedMediaType, ErrorCodes.UnsupportedMediaType)]
    [InlineData("{\"title\":\"t\",\"options\":" + TwoOptions + "}", null, HttpStatusCode.UnsupportedMediaType, ErrorCodes.UnsupportedMediaType)]
    public async Task Poll_CreatedWithUnreadableBody_IsRefusedWithProblemAndChangesNothing(string body, string? contentType, HttpStatusCode status, string code)
    {
        var before = await StoredState.CaptureAsync(fixture.Server);

        var response = await Api.SendRawAsync(fixture.Server.AdminClient(), HttpMethod.Post, "/v1/polls", body, contentType);

        await ProblemAssert.IsAsync(response, status, code);
        Assert.Equal(before, await StoredState.CaptureAsync(fixture.Server));
    }

    public static TheoryData<string, string> InvalidDefinitions()
    {
        static string Options(params string[] ids) => "[" + string.Join(',', ids.Select(id => $"{{\"id\":\"{id}\",\"label\":\"L\"}}")) + "]";
        return new TheoryData<string, string>
        {
            { "one option", $"{{\"title\":\"t\",\"options\":{Options("a")}}}" },
            { "no options", "{\"title\":\"t\",\"options\":[]}" },
            { "options missing", "{\"title\":\"t\"}" },
            { "21 options", $"{{\"title\":\"t\",\"options\":{Options([.. Enumerable.Range(0, 21).Select(i => "o" + i)])}}}" },
            { "duplicate ids", $"{{\"title\":\"t\",\"options\":{Options("a", "b", "a")}}}" },
            { "uppercase id", $"{{\"title\":\"t\",\"options\":{Options("a", "B")}}}" },
            { "id with space", $"{{\"title\":\"t\",\"options\":{Options("a", "b c")}}}" },
            { "id with underscore", $"{{\"title\":\"t\",\"options\":{Options("a", "b_c")}}}" },
            { "id starting with dash", $"{{\"title\":\"t\",\"options\":{Options("a", "-b")}}}" },
            { "empty id", $"{{\"title\":\"t\",\"options\":{Options("a", "")}}}" },
            { "id too long", $"{{\"title\":\"t\",\"options\":{Options("a", new string('b', 33))}}}" },
            { "id non-ascii", $"{{\"title\":\"t\",\"options\":{Options("a", "é")}}}" },
            { "null id", "{\"title\":\"t\",\"options\":[{\"id\":null,\"label\":\"A\"},{\"id\":\"b\",\"label\":\"B\"}]}" },
            { "null option", "{\"title\":\"t\",\"options\":[null,{\"id\":\"b\",\"label\":\"B\"}]}" },
            { "empty label", "{\"title\":\"t\",\"options\":[{\"id\":\"a\",\"label\":\"\"},{\"id\":\"b\",\"label\":\"B\"}]}" },
            { "blank label", "{\"title\":\"t\",\"options\":[{\"id\":\"a\",\"label\":\"   \"},{\"id\":\"b\",\"label\":\"B\"}]}" },
            { "label too long", $"{{\"title\":\"t\",\"options\":[{{\"id\":\"a\",\"label\":\"{new string('l', 81)}\"}},{{\"id\":\"b\",\"label\":\"B\"}}]}}" },
            { "empty title", $"{{\"title\":\"\",\"options\":{Options("a", "b")}}}" },
            { "blank title", $"{{\"title\":\"  \",\"options\":{Options("a", "b")}}}" },
            { "title missing", $"{{\"options\":{Options("a", "b")}}}" },
            { "title too long", $"{{\"title\":\"{new string('t', 201)}\",\"options\":{Options("a", "b")}}}" },
        };
    }

    [Theory]
    [MemberData(nameof(InvalidDefinitions))]
    public async Task Poll_CreatedWithInvalidDefinition_IsInvalidPollAndChangesNothing(string why, string body)
    {
        var before = await StoredState.CaptureAsync(fixture.Server);

        var response = await Api.SendRawAsync(fixture.Server.AdminClient(), HttpMethod.Post, "/v1/polls", body);

        Assert.True(response.StatusCode == HttpStatusCode.UnprocessableEntity, $"{why}: got {(int)response.StatusCode}");
        await ProblemAssert.IsAsync(response, HttpStatusCode.UnprocessableEntity, ErrorCodes.InvalidPoll);
        Assert.Equal(before, await StoredState.CaptureAsync(fixture.Server));
    }

    [Fact]
    public async Task Poll_CreatedWithBodyOver4KiB_IsPayloadTooLargeAndChangesNothing()
    {
        var before = await StoredState.CaptureAsync(fixture.Server);
        var body = "{\"title\":\"" + new string('t', 5000) + "\",\"options\":" + TwoOptions + "}";

        var response = await Api.SendRawAsync(fixture.Server.AdminClient(), HttpMethod.Post, "/v1/polls", body);

        await ProblemAssert.IsAsync(response, HttpStatusCode.RequestEntityTooLarge, ErrorCodes.PayloadTooLarge);
        Assert.Equal(before, await StoredState.CaptureAsync(fixture.Server));
    }

    [Fact]
    public async Task Poll_LargestValidDefinition_FitsUnderTheBodyLimit()
    {
        // 20 options of 80-character labels and a 200-character title must still be accepted (the limit is sized for it).
        var options = string.Join(',', Enumerable.Range(0, 20).Select(i => $"{{\"id\":\"{new string('o', 30)}{i:00}\",\"label\":\"{new string('l', 80)}\"}}"));
        var body = $"{{\"title\":\"{new string('t', 200)}\",\"options\":[{options}]}}";
        Assert.True(Encoding.UTF8.GetByteCount(body) <= 4096, $"definition is {Encoding.UTF8.GetByteCount(body)} bytes");

        var response = await Api.SendRawAsync(fixture.Server.AdminClient(), HttpMethod.Post, "/v1/polls", body);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }
}
