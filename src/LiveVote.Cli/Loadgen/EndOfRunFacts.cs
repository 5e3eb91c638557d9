using System.Net.Http.Json;
using LiveVote.Contracts;

namespace LiveVote.Cli.Loadgen;

/// <summary>What the server says once the load has stopped: its results total and its audit trail of the poll.</summary>
internal sealed record ServerFacts(long ResultsTotal, long AuditVoteEntries, IReadOnlySet<string> AuditVoteSeqs);

internal static class EndOfRunFacts
{
    private const int AuditPage = 1000;

    /// <summary>
    /// Reads the results (waiting, with a generous deadline, for the publisher to catch up with the acknowledged
    /// count: it publishes at most every 250 ms) and pages through the poll's whole audit trail.
    /// </summary>
    public static async Task<ServerFacts> ReadAsync(HttpClient client, string pollId, long accepted, TimeProvider time, CancellationToken cancellationToken)
    {
        var deadline = time.GetTimestamp() + (long)(10 * time.TimestampFrequency);
        ResultsDto? results;
        while (true)
        {
            results = await client.GetFromJsonAsync($"/v1/polls/{pollId}/results", ContractsJsonContext.Default.ResultsDto, cancellationToken).ConfigureAwait(false);
            if (results?.Total >= accepted || time.GetTimestamp() > deadline)
            {
                break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), time, cancellationToken).ConfigureAwait(false);
        }

        // A poll spread over several store partitions has a trail in each: page every one (the first page says how many).
        var seqs = new HashSet<string>(StringComparer.Ordinal);
        long entries = 0;
        var partitions = 1;
        for (var partition = 0; partition < partitions; partition++)
        {
            long? after = 0;
            while (after is not null)
            {
                var page = await client.GetFromJsonAsync(
                                   $"/v1/polls/{pollId}/audit?partition={partition}&after={after}&limit={AuditPage}", ContractsJsonContext.Default.AuditPageDto, cancellationToken)
                               .ConfigureAwait(false)
                           ?? throw new LoadSetupException("The audit endpoint answered no page.");
                partitions = page.Partitions;
                foreach (var entry in page.Entries.Where(e => e.Kind == "vote"))
                {
                    entries++;
                    seqs.Add(VoteId(entry, partitions > 1 ? partition : null));
                }

                after = page.Next;
            }
        }

        return new ServerFacts(results?.Total ?? -1, entries, seqs);
    }

    /// <summary>
    /// The vote id the server gave for this entry: the seq in SQLite's one chain, "chain-seq" with several writers, and
    /// "partition.chain-seq" in a poll spread over several partitions.
    /// </summary>
    internal static string VoteId(AuditEntryDto entry, int? partition)
    {
        var id = entry.Chain == 0
            ? entry.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{entry.Chain}-{entry.Seq}");
        return partition is { } p ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{p}.{id}") : id;
    }
}
