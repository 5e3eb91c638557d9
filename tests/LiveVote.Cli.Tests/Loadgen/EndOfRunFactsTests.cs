using System.Net;
using System.Text.Json;
using LiveVote.Cli.Loadgen;
using LiveVote.Contracts;

namespace LiveVote.Cli.Tests.Loadgen;

public sealed class EndOfRunFactsTests
{
    [Theory]
    [InlineData(0, 0, 1, "17")] // SQLite: one chain, the seq
    [InlineData(3, 0, 1, "3-17")] // PostgreSQL, one cluster: chain-seq
    [InlineData(3, 1, 2, "1.3-17")] // spread over two clusters: partition.chain-seq
    public void VoteIdOf_NamesTheEntryAsTheServerNamedTheVote(int chain, int partition, int partitions, string expected) =>
        Assert.Equal(expected, EndOfRunFacts.VoteIdOf(Entry("vote", 17, chain), partition, partitions));

    [Fact]
    public async Task ReadAsync_PollSpreadOverTwoPartitions_CountsTheVoteEntriesOfBoth()
    {
        // Partition 0 has two pages (one vote, then one vote and a poll change), partition 1 one page of two votes.
        var pages = new Dictionary<string, AuditPageDto>(StringComparer.Ordinal)
        {
            ["after=0&limit=1000"] = new([Entry("poll-created", 1, 1), Entry("vote", 2, 1)], 2, 0, 2),
            ["after=2&limit=1000"] = new([Entry("vote", 3, 1)], null, 0, 2),
            ["after=0&limit=1000&partition=1"] = new([Entry("vote", 1, 2), Entry("vote", 2, 2)], null, 1, 2),
        };
        using var client = new HttpClient(new StubServer(pages, resultsTotal: 4)) { BaseAddress = new Uri("http://server.invalid") };

        var facts = await EndOfRunFacts.ReadAsync(client, "p", accepted: 4, TimeProvider.System, CancellationToken.None);

        Assert.Equal(4, facts.ResultsTotal);
        Assert.Equal(4, facts.AuditVoteEntries);
        Assert.Equal(["0.1-2", "0.1-3", "1.2-1", "1.2-2"], facts.AuditVoteSeqs.Order(StringComparer.Ordinal));
    }

    private static AuditEntryDto Entry(string kind, long seq, int chain) =>
        new(seq, kind, "p", null, null, DateTimeOffset.UnixEpoch, null, "", "", chain);

    /// <summary>Answers the results and the audit pages of poll "p"; any other request is a 404 that fails the read.</summary>
    private sealed class StubServer(Dictionary<string, AuditPageDto> pages, long resultsTotal) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var path = request.RequestUri!.AbsolutePath;
            var query = request.RequestUri.Query.TrimStart('?');
            string? json = path switch
            {
                "/v1/polls/p/results" => JsonSerializer.Serialize(
                    new ResultsDto("p", "open", new Dictionary<string, long>(), resultsTotal, resultsTotal, DateTimeOffset.UnixEpoch),
                    ContractsJsonContext.Default.ResultsDto),
                "/v1/polls/p/audit" when pages.TryGetValue(query, out var page) => JsonSerializer.Serialize(page, ContractsJsonContext.Default.AuditPageDto),
                _ => null,
            };
            return Task.FromResult(json is null
                ? new HttpResponseMessage(HttpStatusCode.NotFound)
                : new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") });
        }
    }
}
