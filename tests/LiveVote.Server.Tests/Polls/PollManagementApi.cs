using System.Net.Http.Json;
using LiveVote.Contracts;

namespace LiveVote.Server.Tests.Polls;

/// <summary>The producer's poll management routes (join codes, edit, delete, archive, hidden results), as a client calls them.</summary>
internal static class PollManagementApi
{
    public static CreatePollRequest Definition(string title = "Who wins?", string? code = null, bool? hide = null, params string[] optionIds) =>
        new(title, [.. (optionIds.Length > 0 ? optionIds : ["a", "b"]).Select(id => new PollOptionDto(id, "Option " + id))], null, code, hide);

    public static Task<HttpResponseMessage> CreateAsync(HttpClient admin, CreatePollRequest request) =>
        admin.PostAsJsonAsync("/v1/polls", request, ContractsJsonContext.Default.CreatePollRequest);

    public static async Task<PollDto> CreatedAsync(HttpClient admin, CreatePollRequest request) =>
        (await (await CreateAsync(admin, request)).EnsureSuccessStatusCode().Content.ReadFromJsonAsync(ContractsJsonContext.Default.PollDto))!;

    public static Task<HttpResponseMessage> EditAsync(HttpClient admin, string pollId, CreatePollRequest request) =>
        admin.PutAsJsonAsync($"/v1/polls/{pollId}", request, ContractsJsonContext.Default.CreatePollRequest);

    public static Task<HttpResponseMessage> DeleteAsync(HttpClient admin, string pollId) => admin.DeleteAsync($"/v1/polls/{pollId}");

    public static Task<HttpResponseMessage> PostAsync(HttpClient admin, string pollId, string action) => admin.PostAsync($"/v1/polls/{pollId}/{action}", null);

    public static Task<HttpResponseMessage> ByCodeAsync(HttpClient client, string code) => client.GetAsync($"/v1/codes/{code}");

    public static async Task<PollDto> ReadAsync(HttpResponseMessage response) =>
        (await response.EnsureSuccessStatusCode().Content.ReadFromJsonAsync(ContractsJsonContext.Default.PollDto))!;

    public static async Task<PollDto> ClosedPollAsync(HttpClient admin)
    {
        var poll = await Infrastructure.Api.CreateOpenPollAsync(admin, "a", "b");
        (await Infrastructure.Api.ClosePollAsync(admin, poll.Id)).EnsureSuccessStatusCode();
        return poll;
    }
}
