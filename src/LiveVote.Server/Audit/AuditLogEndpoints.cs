using LiveVote.Contracts;
using LiveVote.Server.Audit.Merkle;
using LiveVote.Server.Hosting;
using LiveVote.Server.Polls;
using LiveVote.Server.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LiveVote.Server.Audit;

/// <summary>
/// The poll's Merkle logs, public like the trail (docs/design.md, 7.6): the latest signed head of each log, every signed
/// head (for monitors), and RFC 9162 inclusion and consistency proofs computed from the store's rows. Nothing here is
/// trusted by a verifier: the proofs are checked against the signed heads, the heads against the published key.
/// </summary>
public static class AuditLogEndpoints
{
    /// <summary>The routes under the poll's <c>/audit</c> group (public; the group declares the poll's 404).</summary>
    public static RouteGroupBuilder MapAuditLogs(this RouteGroupBuilder audit)
    {
        audit.MapGet("/logs", GetLogsAsync);
        audit.MapGet("/heads", GetHeadsAsync).ProducesProblem(StatusCodes.Status400BadRequest);
        audit.MapGet("/proof/inclusion", GetInclusionProofAsync).ProducesProblem(StatusCodes.Status400BadRequest);
        audit.MapGet("/proof/consistency", GetConsistencyProofAsync).ProducesProblem(StatusCodes.Status400BadRequest);
        return audit;
    }

    /// <summary>The latest signed head of every log of the poll, in every partition it is spread over.</summary>
    private static async Task<Results<Ok<AuditLogsDto>, ProblemHttpResult>> GetLogsAsync(
        string pollId, PollRegistry polls, StoreClusters stores, CancellationToken cancellationToken)
    {
        if (!TryGetPoll(pollId, polls, out var poll))
        {
            return Problems.PollNotFound(pollId);
        }

        var logs = new List<AuditLogDto>();
        for (var partition = 0; partition < Math.Min(poll.PartitionCount, stores.Count); partition++)
        {
            if (stores[partition] is IAuditLogStore store)
            {
                foreach (var head in await store.ReadLatestHeadsAsync(pollId, cancellationToken))
                {
                    logs.Add(new AuditLogDto(AuditLogIds.Format(partition, head.Chain), partition, head.Chain, head.Size, head.Root.ToString(), head.Note,
                        DateTimeOffset.FromUnixTimeMilliseconds(head.AtUnixMs)));
                }
            }
        }

        return TypedResults.Ok(new AuditLogsDto(pollId, logs));
    }

    /// <summary>Every signed head of the poll in one partition, in id order, paged.</summary>
    private static async Task<Results<Ok<SignedHeadsPageDto>, ProblemHttpResult>> GetHeadsAsync(
        string pollId, int? partition, long? after, int? limit, PollRegistry polls, StoreClusters stores, CancellationToken cancellationToken)
    {
        if (after is < 0 || limit is < 1 or > AuditEndpoints.MaxPageSize)
        {
            return Problems.BadRequest(ErrorCodes.InvalidRequest, $"after must be >= 0 and limit 1 to {AuditEndpoints.MaxPageSize}.");
        }

        if (!TryGetPoll(pollId, polls, out var poll))
        {
            return Problems.PollNotFound(pollId);
        }

        var part = partition ?? 0;
        if (part < 0 || part >= poll.PartitionCount || part >= stores.Count)
        {
            return Problems.BadRequest(ErrorCodes.InvalidRequest, $"partition must be 0 to {poll.PartitionCount - 1}: the poll is spread over {poll.PartitionCount}.");
        }

        var size = limit ?? AuditEndpoints.DefaultPageSize;
        IReadOnlyList<SignedHead> heads = stores[part] is IAuditLogStore store ? await store.ReadHeadsAsync(pollId, after ?? 0, size, cancellationToken) : [];
        var dtos = heads.Select(h => new SignedHeadDto(h.Id, AuditLogIds.Format(part, h.Chain), h.Size, h.Root.ToString(),
            DateTimeOffset.FromUnixTimeMilliseconds(h.AtUnixMs), h.Note)).ToList();
        return TypedResults.Ok(new SignedHeadsPageDto(dtos, dtos.Count == size ? heads[^1].Id : null, part, poll.PartitionCount));
    }

    /// <summary>
    /// The inclusion proof of one leaf: by default in the tree of the log's latest signed head (returned with it), else
    /// in the tree of <paramref name="size"/> leaves. A leaf no signed head covers yet: 404 not-yet-signed, Retry-After 1.
    /// </summary>
    private static async Task<Results<Ok<InclusionProofDto>, ProblemHttpResult>> GetInclusionProofAsync(
        string pollId, string? log, long? leaf, long? size, HttpContext context, PollRegistry polls, StoreClusters stores, CancellationToken cancellationToken)
    {
        if (!AuditLogIds.TryParse(log, out var partition, out var chain) || leaf is null or < 0 || size is < 1)
        {
            return Problems.BadRequest(ErrorCodes.InvalidRequest, "log must be \"partition.chain\" (e.g. 0.0), leaf >= 0 and size, if given, >= 1.");
        }

        if (!TryGetPoll(pollId, polls, out var poll))
        {
            return Problems.PollNotFound(pollId);
        }

        // Leaf by leaf, proofs would list the hidden poll's votes and their options: they wait for the reveal too
        // (a receipt is checked then). The admin's desk is not refused.
        if (poll.ResultsHidden && !Security.Admin.AdminKey.IsVerified(context))
        {
            return Problems.ResultsHidden(context, pollId);
        }

        var (store, logId, logSize) = await FindLogAsync(poll, stores, partition, chain, cancellationToken);
        if (store is null)
        {
            return LogNotFound(pollId, log!);
        }

        if (leaf >= logSize)
        {
            return Problems.Create(StatusCodes.Status404NotFound, ErrorCodes.LeafNotFound, "No such leaf.", $"Log {log} of poll '{pollId}' holds {logSize} leaves.");
        }

        string? checkpoint;
        long treeSize;
        if (size is { } requested)
        {
            if (requested <= leaf || requested > logSize)
            {
                return Problems.BadRequest(ErrorCodes.InvalidRequest, $"size must be from leaf + 1 ({leaf + 1}) to the log's size ({logSize}).");
            }

            treeSize = requested;
            checkpoint = (await store.ReadHeadAsync(logId, requested, cancellationToken))?.Note;
        }
        else
        {
            var head = await store.ReadHeadAsync(logId, size: null, cancellationToken);
            if (head is null || leaf >= head.Size)
            {
                context.Response.Headers.RetryAfter = "1";
                return Problems.Create(StatusCodes.Status404NotFound, ErrorCodes.NotYetSigned, "No signed head covers this leaf yet.",
                    $"Leaf {leaf} of log {log} is committed; the next signed head, within about a second, will cover it.");
            }

            treeSize = head.Size;
            checkpoint = head.Note;
        }

        var entry = await store.ReadLeafEntryAsync(logId, leaf.Value, cancellationToken);
        if (entry is not { } found)
        {
            return Problems.Create(StatusCodes.Status404NotFound, ErrorCodes.LeafNotFound, "No such leaf.", $"Log {log} of poll '{pollId}' has no leaf {leaf}.");
        }

        var tree = new MerkleTreeReader(store);
        var proof = await tree.InclusionProofAsync(logId, leaf.Value, treeSize, cancellationToken);
        var root = await tree.RootAsync(logId, treeSize, cancellationToken);
        return TypedResults.Ok(new InclusionProofDto(AuditLogIds.Format(partition, chain), leaf.Value, treeSize, MerkleHash.Leaf(found.Hash).ToString(),
            root.ToString(), Hex(proof), AuditEndpoints.ToDto(found), checkpoint));
    }

    /// <summary>The consistency proof between the log's trees of <paramref name="from"/> and <paramref name="to"/> leaves.</summary>
    private static async Task<Results<Ok<ConsistencyProofDto>, ProblemHttpResult>> GetConsistencyProofAsync(
        string pollId, string? log, long? from, long? to, PollRegistry polls, StoreClusters stores, CancellationToken cancellationToken)
    {
        if (!AuditLogIds.TryParse(log, out var partition, out var chain) || from is null or < 1 || to is null || to < from)
        {
            return Problems.BadRequest(ErrorCodes.InvalidRequest, "log must be \"partition.chain\" (e.g. 0.0) and 1 <= from <= to.");
        }

        if (!TryGetPoll(pollId, polls, out var poll))
        {
            return Problems.PollNotFound(pollId);
        }

        var (store, logId, logSize) = await FindLogAsync(poll, stores, partition, chain, cancellationToken);
        if (store is null)
        {
            return LogNotFound(pollId, log!);
        }

        if (to > logSize)
        {
            return Problems.BadRequest(ErrorCodes.InvalidRequest, $"to must be at most the log's size ({logSize}).");
        }

        var tree = new MerkleTreeReader(store);
        var proof = await tree.ConsistencyProofAsync(logId, from.Value, to.Value, cancellationToken);
        var fromRoot = await tree.RootAsync(logId, from.Value, cancellationToken);
        var toRoot = await tree.RootAsync(logId, to.Value, cancellationToken);
        return TypedResults.Ok(new ConsistencyProofDto(AuditLogIds.Format(partition, chain), from.Value, to.Value, fromRoot.ToString(), toRoot.ToString(), Hex(proof)));
    }

    private static bool TryGetPoll(string pollId, PollRegistry polls, out Poll poll) =>
        polls.TryGet(pollId, out poll!) && poll.Status != PollStatus.Draft;

    /// <summary>The log's store and committed size; no store when the poll has no such partition or the log no leaf.</summary>
    private static async Task<(IAuditLogStore? Store, MerkleLogId Log, long Size)> FindLogAsync(
        Poll poll, StoreClusters stores, int partition, int chain, CancellationToken cancellationToken)
    {
        var logId = new MerkleLogId(poll.Id, chain);
        if (partition >= poll.PartitionCount || partition >= stores.Count || stores[partition] is not IAuditLogStore store)
        {
            return (null, logId, 0);
        }

        var size = await store.ReadLogSizeAsync(logId, cancellationToken);
        return size == 0 ? (null, logId, 0) : (store, logId, size);
    }

    private static ProblemHttpResult LogNotFound(string pollId, string log) =>
        Problems.Create(StatusCodes.Status404NotFound, ErrorCodes.LogNotFound, "No such log.", $"Poll '{pollId}' has no log {log}.");

    private static List<string> Hex(IReadOnlyList<Sha256Hash> hashes) => [.. hashes.Select(h => h.ToString())];
}
