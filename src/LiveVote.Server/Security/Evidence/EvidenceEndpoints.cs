using System.Globalization;
using System.Text.Json;
using LiveVote.Contracts;
using LiveVote.Server.Hosting;
using LiveVote.Server.Polls;
using LiveVote.Server.Security.Admin;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LiveVote.Server.Security.Evidence;

public static class EvidenceEndpoints
{
    public const int DefaultPageSize = 100;
    public const int MaxPageSize = 1000;

    /// <summary>
    /// <c>GET /v1/admin/evidence</c> (admin key only): the risk evidence still kept, in the order it was recorded; of
    /// one poll (<c>poll</c>), or the one row an audit entry names (<c>ref</c>, its <c>"evidence"</c>), or all of it
    /// (lockouts have no poll). Never public: it holds client networks, which the public trail must not.
    /// </summary>
    public static RouteHandlerBuilder MapEvidence(this IEndpointRouteBuilder routes)
    {
        return routes.MapGet("/v1/admin/evidence", ReadAsync)
            .RequireAdminKey()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithTags("Admin");
    }

    private static async Task<Results<Ok<RiskEvidencePageDto>, ProblemHttpResult>> ReadAsync(
        string? poll, string? @ref, long? after, int? limit, IRiskEvidenceTable table, CancellationToken cancellationToken)
    {
        if (after is < 0 || limit is < 1 or > MaxPageSize)
        {
            return Problems.BadRequest(ErrorCodes.InvalidRequest, $"after must be >= 0 and limit 1 to {MaxPageSize}.");
        }

        if (poll is not null && !PollRules.IsPollId(poll))
        {
            return Problems.InvalidPollId();
        }

        byte[]? reference = null;
        if (@ref is not null && (@ref.Length != 2 * RiskEvidence.RefSize || !TryHex(@ref, out reference)))
        {
            return Problems.BadRequest(ErrorCodes.InvalidRequest, $"ref must be the {2 * RiskEvidence.RefSize} hex digits of an audit entry's \"evidence\".");
        }

        var size = limit ?? DefaultPageSize;
        var rows = await table.ReadAsync(new EvidenceQuery(poll, reference, after ?? 0, size), cancellationToken);
        var dtos = rows.Select(ToDto).ToList();
        return TypedResults.Ok(new RiskEvidencePageDto(dtos, dtos.Count == size ? rows[^1].Seq : null));
    }

    private static RiskEvidenceDto ToDto(RiskEvidence row)
    {
        using var detail = JsonDocument.Parse(row.Detail);
        return new RiskEvidenceDto(
            row.Seq, Convert.ToHexStringLower(row.Ref), row.Kind, row.Action, row.PollId,
            row.VoterKey is null ? null : Convert.ToHexStringLower(row.VoterKey), row.Network, detail.RootElement.Clone(),
            DateTimeOffset.FromUnixTimeMilliseconds(row.AtUnixMs));
    }

    private static bool TryHex(string text, out byte[]? bytes)
    {
        bytes = new byte[text.Length / 2];
        for (var i = 0; i < bytes.Length; i++)
        {
            if (!byte.TryParse(text.AsSpan(2 * i, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out bytes[i]))
            {
                return false;
            }
        }

        return true;
    }
}
