using LiveVote.Contracts;
using LiveVote.Server.Hosting;
using LiveVote.Server.Polls;
using LiveVote.Server.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LiveVote.Server.Audit;

public static class AuditEndpoints
{
    public const int DefaultPageSize = 100;
    public const int MaxPageSize = 1000;

    /// <summary><c>/audit</c> in the poll's <see cref="PollGroup"/> (id already checked).</summary>
    public static RouteGroupBuilder MapAudit(this RouteGroupBuilder poll)
    {
        var group = poll.MapGroup("/audit").WithTags("Audit");
        group.MapGet("/", GetPageAsync).ProducesProblem(StatusCodes.Status404NotFound);
        group.MapAuditLogs();
        return group;
    }

    /// <summary>
    /// Pages a poll's audit entries in seq order. Public: entries carry voter keys (pseudonyms), never viewer ids, so
    /// anyone can check a receipt and recount. Entries of one poll are a subsequence of the store's chains. A poll
    /// spread over several partitions has a trail in each (<paramref name="partition"/>, default 0): together they are
    /// the whole trail, and a vote id "p.chain-seq" names the partition whose trail holds the vote. While the poll's
    /// results are hidden until a reveal, the public gets 404 <c>results-hidden</c> (the entries would give the counts).
    /// </summary>
    private static async Task<Results<Ok<AuditPageDto>, ProblemHttpResult>> GetPageAsync(
        string pollId, long? after, int? limit, int? partition, HttpContext context, PollRegistry polls, StoreClusters stores,
        CancellationToken cancellationToken)
    {
        if (after is < 0 || limit is < 1 or > MaxPageSize)
        {
            return Problems.BadRequest(ErrorCodes.InvalidRequest, $"after must be >= 0 and limit 1 to {MaxPageSize}.");
        }

        if (!polls.TryGet(pollId, out var poll) || poll.Status == PollStatus.Draft)
        {
            return Problems.PollNotFound(pollId);
        }

        // Vote entries name their option: counted, they are the counts the producer hides until the reveal. The
        // producer's own desk (admin) still reads them; everyone else does once revealed, and nothing is lost meanwhile.
        if (poll.ResultsHidden && !Security.Admin.AdminKey.IsVerified(context))
        {
            return Problems.ResultsHidden(context, pollId);
        }

        var part = partition ?? 0;
        if (part < 0 || part >= poll.PartitionCount || part >= stores.Count)
        {
            return Problems.BadRequest(ErrorCodes.InvalidRequest, $"partition must be 0 to {poll.PartitionCount - 1}: the poll is spread over {poll.PartitionCount}.");
        }

        var size = limit ?? DefaultPageSize;
        var entries = await stores[part].ReadAuditAsync(pollId, after ?? 0, size, cancellationToken);
        var dtos = entries.Select(ToDto).ToList();
        return TypedResults.Ok(new AuditPageDto(dtos, dtos.Count == size ? entries[^1].Cursor : null, part, poll.PartitionCount));
    }

    /// <summary>An entry as the API shows it: hashes hex, time as a date, its leaf when it has a poll.</summary>
    internal static AuditEntryDto ToDto(AuditEntry e) => new(
        e.Seq, e.Kind, e.PollId, e.VoterKey?.ToString(), e.OptionId, DateTimeOffset.FromUnixTimeMilliseconds(e.AtUnixMs), e.Data,
        e.PrevHash.ToString(), e.Hash.ToString(), e.Chain, e.Leaf < 0 ? null : e.Leaf);
}
