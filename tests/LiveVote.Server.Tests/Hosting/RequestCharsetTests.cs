using System.Net;
using System.Net.Http.Headers;
using System.Text;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Server.Tests.Hosting;

/// <summary>
/// A Content-Type whose charset the server cannot decode (unknown, unsupported like UTF-7, or malformed) is 415
/// unsupported-media-type problem+json on every endpoint, with or without a body, and changes nothing; a charset it can
/// decode is read.
/// </summary>
public sealed class RequestCharsetTests(PopulatedServer fixture) : IClassFixture<PopulatedServer>
{
    public static TheoryData<string> UndecodableContentTypes() =>
    [
        "application/json; charset=utf-7",
        "application/json; charset=UTF-7",
        "application/json; charset=\"utf-7\"",
        "application/json;charset=unicode-1-1-utf-7",
        "application/json; charset=csUnicode11UTF7",
        "application/json; charset=x-unicode20utf7",
        "text/plain; charset=utf-7",
        "application/json; charset=\"weird\"",
        "application/json; charset=\"utf-8\"",
        "application/json; charset=windows-1252",
        "application/json; charset=",
        "application/json; charset",
        "application/json; charset=\"utf-8",
        "application/json; charset=utf-8\"",
        "application/json; charset=utf 8",
    ];

    [Theory]
    [MemberData(nameof(UndecodableContentTypes))]
    public async Task UndecodableCharset_Is415OnEveryKindOfEndpoint_AndChangesNothing(string contentType)
    {
        var before = await StoredState.CaptureAsync(fixture.Server);
        using var admin = fixture.Server.AdminClient();
        var requests = new (HttpClient Client, HttpMethod Method, string Path, string Body, string? Token)[]
        {
            (admin, HttpMethod.Post, "/v1/polls", "{\"title\":\"t\",\"options\":[{\"id\":\"a\",\"label\":\"A\"},{\"id\":\"b\",\"label\":\"B\"}]}", null),
            (admin, HttpMethod.Post, $"/v1/polls/{fixture.DraftPoll.Id}/open", "", null),
            (fixture.Server.Client(), HttpMethod.Post, $"/v1/polls/{fixture.OpenPoll.Id}/votes", "{\"optionId\":\"a\"}", fixture.Viewer.Token),
            (admin, HttpMethod.Post, "/v1/viewers", "{}", null),
            (fixture.Server.Client(), HttpMethod.Get, "/healthz", "", null),
            (fixture.Server.Client(), HttpMethod.Get, $"/v1/polls/{fixture.OpenPoll.Id}/results", "", null),
            (fixture.Server.Client(), HttpMethod.Get, "/index.html", "", null),
        };

        foreach (var (client, method, path, body, token) in requests)
        {
            using var request = new HttpRequestMessage(method, path) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)) };
            Assert.True(request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType));
            if (token is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            await ProblemAssert.IsAsync(await client.SendAsync(request), HttpStatusCode.UnsupportedMediaType, ErrorCodes.UnsupportedMediaType);
        }

        Assert.Equal(before, await StoredState.CaptureAsync(fixture.Server));
    }

    [Theory]
    [InlineData("utf-16")]
    [InlineData("utf-32")]
    [InlineData("UTF-8")]
    public async Task DecodableCharset_IsRead(string charset)
    {
        await using var server = new LiveVoteServer();
        using var admin = server.AdminClient();
        var encoding = Encoding.GetEncoding(charset);
        using var content = new ByteArrayContent(encoding.GetBytes("{\"title\":\"t\",\"options\":[{\"id\":\"a\",\"label\":\"A\"},{\"id\":\"b\",\"label\":\"B\"}]}"));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse($"application/json; charset={charset}");

        var response = await admin.PostAsync("/v1/polls", content);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }
}
