using System.Net.Http.Json;
using LiveVote.Contracts;

namespace LiveVote.Server.Tests.Security.Evidence;

/// <summary>Reads the restricted evidence store through its admin endpoint, as an operator reviewing a decision would.</summary>
internal static class EvidenceApi
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>Every evidence row of <paramref name="pollId"/> (every row when null), all pages.</summary>
    public static async Task<List<RiskEvidenceDto>> ReadAllAsync(HttpClient admin, string? pollId = null)
    {
        var rows = new List<RiskEvidenceDto>();
        long? after = 0;
        while (after is { } cursor)
        {
            var query = $"/v1/admin/evidence?after={cursor}&limit=50" + (pollId is null ? "" : $"&poll={pollId}");
            var page = (await admin.GetFromJsonAsync(query, ContractsJsonContext.Default.RiskEvidencePageDto))!;
            rows.AddRange(page.Evidence);
            after = page.Next;
        }

        return rows;
    }

    /// <summary>The row an audit entry's <c>"evidence"</c> names, waiting for the recorder's background write.</summary>
    public static async Task<RiskEvidenceDto> ByRefAsync(HttpClient admin, string reference)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var page = (await admin.GetFromJsonAsync($"/v1/admin/evidence?ref={reference}", ContractsJsonContext.Default.RiskEvidencePageDto))!;
            if (page.Evidence.Count > 0 || DateTime.UtcNow > deadline)
            {
                return Assert.Single(page.Evidence);
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Every row of the poll, once there are at least <paramref name="count"/>.</summary>
    public static async Task<List<RiskEvidenceDto>> OfPollAsync(HttpClient admin, string pollId, int count)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var rows = await ReadAllAsync(admin, pollId);
            if (rows.Count >= count || DateTime.UtcNow > deadline)
            {
                return rows;
            }

            await Task.Delay(20);
        }
    }
}
