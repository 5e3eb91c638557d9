using System.Net;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Server.Tests.Polls;

/// <summary>
/// Poll ids are slugs (a-z, 0-9, '-', at most 40, not starting with '-'). Every route that takes one refuses anything
/// else with 400 invalid-poll-id, a well-formed id of no poll with 404 poll-not-found, and neither changes anything.
/// </summary>
public sealed class BadPollIdTests(PopulatedServer fixture) : IClassFixture<PopulatedServer>
{
    private static readonly string[] Routes =
    [
        "GET /v1/polls/{0}",
        "POST /v1/polls/{0}/open",
        "POST /v1/polls/{0}/close",
        "POST /v1/polls/{0}/votes",
        "GET /v1/polls/{0}/results",
        "GET /v1/polls/{0}/results/stream",
        "POST /v1/polls/{0}/results/freeze",
        "POST /v1/polls/{0}/results/release",
        "GET /v1/polls/{0}/results/live",
        "GET /v1/polls/{0}/audit",
    ];

    // As they appear in the URL (already percent-encoded where that is the trick).
    private static readonly string[] MalformedIds =
    [
        "ABC",
        "Poll-1",
        "a_b",
        "a.b",
        "a~b",
        "-leading-dash",
        "a%20b",
        "%20",
        "a%2Fb",
        "%41bc",
        "a%252fb",
        "p%C3%A9",
        "%E2%80%8Bp",
        "a'b",
        "a%22b",
        "a%3Cscript%3E",
        "a;b",
        "a,b",
        "a%2Bb",
        new string('a', 41),
    ];

    public static TheoryData<string, string> MalformedIdOnEveryRoute()
    {
        var data = new TheoryData<string, string>();
        foreach (var route in Routes)
        {
            foreach (var id in MalformedIds)
            {
                data.Add(route, id);
            }
        }

        return data;
    }

    public static TheoryData<string> EveryRoute() => [.. Routes];

    [Theory]
    [MemberData(nameof(MalformedIdOnEveryRoute))]
    public async Task Route_WithMalformedPollId_IsInvalidPollIdAndChangesNothing(string route, string pollId)
    {
        var before = await StoredState.CaptureAsync(fixture.Server);

        var response = await SendAsync(route, pollId);

        await ProblemAssert.IsAsync(response, HttpStatusCode.BadRequest, ErrorCodes.InvalidPollId);
        Assert.Equal(before, await StoredState.CaptureAsync(fixture.Server));
    }

    [Theory]
    [MemberData(nameof(EveryRoute))]
    public async Task Route_WithUnknownPollId_IsPollNotFoundAndChangesNothing(string route)
    {
        var before = await StoredState.CaptureAsync(fixture.Server);

        var response = await SendAsync(route, "p-nosuchpoll");

        await ProblemAssert.IsAsync(response, HttpStatusCode.NotFound, ErrorCodes.PollNotFound);
        Assert.Equal(before, await StoredState.CaptureAsync(fixture.Server));
    }

    [Theory]
    [MemberData(nameof(EveryRoute))]
    public async Task Route_WithLongestValidUnknownPollId_IsPollNotFound(string route)
    {
        var response = await SendAsync(route, new string('z', 40));

        await ProblemAssert.IsAsync(response, HttpStatusCode.NotFound, ErrorCodes.PollNotFound);
    }

    [Theory]
    [InlineData("POST /v1/polls/%2e%2e/votes")]
    [InlineData("GET /v1/polls/%2E%2E/results")]
    [InlineData("GET /v1/polls/./audit")]
    [InlineData("GET /v1/polls//results")]
    public async Task Route_WithDotSegmentOrEmptyPollId_IsRefusedWithProblemAndChangesNothing(string request)
    {
        var before = await StoredState.CaptureAsync(fixture.Server);
        var (method, path) = (request.Split(' ')[0], request.Split(' ')[1]);

        var response = await SendRawPathAsync(method, path);

        await ProblemAssert.IsClientErrorAsync(response);
        Assert.Equal(before, await StoredState.CaptureAsync(fixture.Server));
    }

    private Task<HttpResponseMessage> SendAsync(string route, string pollId)
    {
        var (method, template) = (route.Split(' ')[0], route.Split(' ')[1]);
        return SendRawPathAsync(method, string.Format(System.Globalization.CultureInfo.InvariantCulture, template, pollId));
    }

    /// <summary>Sends the path exactly as written: an admin key (so admin routes reach the id check) and a valid token.</summary>
    private Task<HttpResponseMessage> SendRawPathAsync(string method, string path)
    {
        var client = fixture.Server.AdminClient();
        var request = new HttpRequestMessage(new HttpMethod(method), new Uri(client.BaseAddress!, new Uri(path, UriKind.Relative)));
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", fixture.Viewer.Token);
        if (method == "POST" && path.EndsWith("/votes", StringComparison.Ordinal))
        {
            request.Content = new StringContent("{\"optionId\":\"a\"}", System.Text.Encoding.UTF8, "application/json");
        }

        return client.SendAsync(request);
    }
}
