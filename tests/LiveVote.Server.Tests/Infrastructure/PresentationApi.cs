using System.Net;
using System.Net.Http.Json;
using LiveVote.Contracts;

namespace LiveVote.Server.Tests.Infrastructure;

/// <summary>The producer's presentation routes: freeze and release of the public results, the live count, viewer results.</summary>
public static class PresentationApi
{
    public static Task<HttpResponseMessage> FreezeAsync(HttpClient admin, string pollId) => admin.PostAsync($"/v1/polls/{pollId}/results/freeze", null);

    public static Task<HttpResponseMessage> ReleaseAsync(HttpClient admin, string pollId) => admin.PostAsync($"/v1/polls/{pollId}/results/release", null);

    public static Task<HttpResponseMessage> SetViewerResultsAsync(HttpClient admin, string pollId, bool show) =>
        admin.PostAsJsonAsync($"/v1/polls/{pollId}/viewer-results", new ViewerResultsRequest(show), ContractsJsonContext.Default.ViewerResultsRequest);

    public static async Task<PollDto> ReadPollAsync(HttpResponseMessage response) =>
        (await response.EnsureSuccessStatusCode().Content.ReadFromJsonAsync(ContractsJsonContext.Default.PollDto))!;

    public static async Task<ResultsDto> LiveAsync(HttpClient admin, string pollId) =>
        (await admin.GetFromJsonAsync($"/v1/polls/{pollId}/results/live", ContractsJsonContext.Default.ResultsDto))!;

    /// <summary>
    /// Reads the admin live count until <paramref name="done"/> holds; at the deadline returns what it read last. A 503
    /// (a node that has not read the poll's count yet: <c>results-pending</c>) counts as "not yet".
    /// </summary>
    public static async Task<ResultsDto> LiveWhenAsync(HttpClient admin, string pollId, Func<ResultsDto, bool> done, int timeoutMs = 10_000)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        while (true)
        {
            using var response = await admin.GetAsync($"/v1/polls/{pollId}/results/live");
            var pending = response.StatusCode == HttpStatusCode.ServiceUnavailable && Environment.TickCount64 <= deadline;
            if (!pending)
            {
                var live = (await response.EnsureSuccessStatusCode().Content.ReadFromJsonAsync(ContractsJsonContext.Default.ResultsDto))!;
                if (done(live) || Environment.TickCount64 > deadline)
                {
                    return live;
                }
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Registers viewers through the trusted back end and casts one accepted vote each.</summary>
    public static async Task CastAsync(HttpClient admin, string pollId, params string[] optionIds)
    {
        foreach (var optionId in optionIds)
        {
            var viewer = await Api.RegisterAsync(admin);
            (await Api.VoteAsync(admin, pollId, viewer.Token, optionId)).EnsureSuccessStatusCode();
        }
    }
}
