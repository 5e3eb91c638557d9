using System.Text.Json;
using System.Text.Json.Serialization;

namespace LiveVote.Contracts;

// The public HTTP API's wire shapes, shared by the server, the CLI (load generator, recount) and the tests.
// JSON is camelCase; every type here is registered in ContractsJsonContext for source-generated serialization.

public sealed record PollOptionDto(string Id, string Label);

public sealed record CreatePollRequest(string? Title, IReadOnlyList<PollOptionDto>? Options);

public sealed record PollDto(
    string Id,
    string Title,
    IReadOnlyList<PollOptionDto> Options,
    string Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset? OpenedAt,
    DateTimeOffset? ClosedAt);

public sealed record PollListDto(IReadOnlyList<PollDto> Polls);

public sealed record RegisterViewerRequest(string? DisplayName);

public sealed record RegisterViewerResponse(string ViewerId, string Token, DateTimeOffset ExpiresAt);

public sealed record CastVoteRequest(string? OptionId);

public sealed record VoteResponse(string Status, string VoteId, string Receipt);

public sealed record ResultsDto(
    string PollId,
    string Status,
    IReadOnlyDictionary<string, long> Totals,
    long Total,
    long Version,
    DateTimeOffset AsOf);

public sealed record AuditEntryDto(
    long Seq,
    string Kind,
    string? PollId,
    string? VoterKey,
    string? OptionId,
    DateTimeOffset At,
    string? Data,
    string PrevHash,
    string Hash);

public sealed record AuditPageDto(IReadOnlyList<AuditEntryDto> Entries, long? Next);

public sealed record HealthDto(string Status, string? Detail);

/// <summary>Machine-readable error codes carried in the problem+json <c>code</c> member. They are part of the API.</summary>
public static class ErrorCodes
{
    public const string InvalidRequest = "invalid-request";
    public const string PayloadTooLarge = "payload-too-large";
    public const string UnsupportedMediaType = "unsupported-media-type";
    public const string NotFound = "not-found";
    public const string MethodNotAllowed = "method-not-allowed";
    public const string InvalidPollId = "invalid-poll-id";
    public const string InvalidPoll = "invalid-poll";
    public const string PollNotFound = "poll-not-found";
    public const string PollNotOpen = "poll-not-open";
    public const string InvalidTransition = "invalid-transition";
    public const string UnknownOption = "unknown-option";
    public const string AlreadyVoted = "already-voted";
    public const string Unauthorized = "unauthorized";
    public const string AdminKeyRequired = "admin-key-required";
    public const string Overloaded = "overloaded";
    public const string StoreUnavailable = "store-unavailable";
    public const string InternalError = "internal-error";
}

/// <summary>Vote statuses in <see cref="VoteResponse.Status"/>.</summary>
public static class VoteStatuses
{
    public const string Accepted = "accepted";
    public const string Duplicate = "duplicate";
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[JsonSerializable(typeof(CreatePollRequest))]
[JsonSerializable(typeof(PollDto))]
[JsonSerializable(typeof(PollListDto))]
[JsonSerializable(typeof(RegisterViewerRequest))]
[JsonSerializable(typeof(RegisterViewerResponse))]
[JsonSerializable(typeof(CastVoteRequest))]
[JsonSerializable(typeof(VoteResponse))]
[JsonSerializable(typeof(ResultsDto))]
[JsonSerializable(typeof(AuditPageDto))]
[JsonSerializable(typeof(HealthDto))]
public sealed partial class ContractsJsonContext : JsonSerializerContext;
