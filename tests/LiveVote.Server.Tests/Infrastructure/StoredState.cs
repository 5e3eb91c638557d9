using System.Net.Http.Json;
using System.Text;
using LiveVote.Contracts;

namespace LiveVote.Server.Tests.Infrastructure;

/// <summary>
/// Everything a refused request must leave alone: the database's contents, the polls (as the admin sees them), each
/// visible poll's audit trail and its published results. Two equal captures mean nothing changed in between.
/// </summary>
public sealed record StoredState(string Store, string Polls, string Audit, string Results)
{
    public static async Task<StoredState> CaptureAsync(LiveVoteServer server)
    {
        using var admin = server.AdminClient();
        var pollsJson = await admin.GetStringAsync("/v1/polls");
        var polls = (await admin.GetFromJsonAsync("/v1/polls", ContractsJsonContext.Default.PollListDto))!.Polls;
        var audit = new StringBuilder();
        var results = new StringBuilder();
        foreach (var poll in polls.Where(p => p.Status != "draft"))
        {
            var entries = await Api.AuditAsync(admin, poll.Id);
            audit.Append(poll.Id).Append(": ").AppendJoin(',', entries.Select(e => $"{e.Seq}/{e.Hash}")).Append('\n');

            // Results are published asynchronously: wait until they show what is stored (or the producer's frozen
            // snapshot), then take them.
            var stored = StoreFile.CountVotes(server.DatabasePath, poll.Id);
            var published = await Api.ResultsWhenAsync(admin, poll.Id, r => (r.Frozen || r.Total == stored) && r.Status == poll.Status);
            results.Append(poll.Id).Append(": ").Append(published.Status).Append(published.Frozen ? " frozen " : " ")
                .AppendJoin(',', published.Totals.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}={t.Value}")).Append('\n');
        }

        return new StoredState(StoreFile.Fingerprint(server.DatabasePath), pollsJson, audit.ToString(), results.ToString());
    }
}
