using System.Net;
using System.Net.Http.Json;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Server.Tests.Audit;

public sealed class AuditEndpointTests(PopulatedServer fixture) : IClassFixture<PopulatedServer>
{
    [Theory]
    [InlineData("after=-1")]
    [InlineData("limit=0")]
    [InlineData("limit=-5")]
    [InlineData("limit=1001")]
    [InlineData("limit=abc")]
    [InlineData("after=abc")]
    [InlineData("after=1.5")]
    [InlineData("after=99999999999999999999999")]
    [InlineData("limit=99999999999")]
    [InlineData("after=0&limit=")]
    public async Task Audit_WithInvalidPaging_IsInvalidRequestAndChangesNothing(string query)
    {
        var before = await StoredState.CaptureAsync(fixture.Server);

        var response = await fixture.Server.Client().GetAsync($"/v1/polls/{fixture.OpenPoll.Id}/audit?{query}");

        await ProblemAssert.IsAsync(response, HttpStatusCode.BadRequest, ErrorCodes.InvalidRequest);
        Assert.Equal(before, await StoredState.CaptureAsync(fixture.Server));
    }

    [Fact]
    public async Task Audit_PagedOneByOne_YieldsTheSameEntriesAsOnePage()
    {
        var client = fixture.Server.Client();
        var all = (await client.GetFromJsonAsync($"/v1/polls/{fixture.OpenPoll.Id}/audit?limit=1000", ContractsJsonContext.Default.AuditPageDto))!;
        Assert.Null(all.Next);

        var paged = new List<AuditEntryDto>();
        long? after = 0;
        while (after is { } cursor)
        {
            var page = (await client.GetFromJsonAsync($"/v1/polls/{fixture.OpenPoll.Id}/audit?after={cursor}&limit=1", ContractsJsonContext.Default.AuditPageDto))!;
            Assert.True(page.Entries.Count <= 1);
            paged.AddRange(page.Entries);
            after = page.Next;
        }

        Assert.Equal(all.Entries, paged);
        Assert.Equal(new[] { "poll-created", "poll-opened", "vote" }, all.Entries.Select(e => e.Kind));
        IndependentAudit.AssertPollEntriesVerify(all.Entries);
    }

    [Fact]
    public async Task Audit_AfterTheLastEntry_IsAnEmptyPage()
    {
        var client = fixture.Server.Client();
        var entries = await Api.AuditAsync(client, fixture.OpenPoll.Id);

        var page = (await client.GetFromJsonAsync($"/v1/polls/{fixture.OpenPoll.Id}/audit?after={entries[^1].Seq}", ContractsJsonContext.Default.AuditPageDto))!;

        Assert.Empty(page.Entries);
        Assert.Null(page.Next);
    }
}
