using System.Text.Json;
using System.Text.Json.Serialization;

namespace LiveVote.Contracts;

// The public HTTP API's wire shapes, shared by the server, the CLI (load generator, recount) and the tests.
// JSON is camelCase; every type here is registered in ContractsJsonContext for source-generated serialization.

public sealed record PollOptionDto(string Id, string Label);

/// <param name="ShowResultsToViewers">Whether the vote page shows viewers the live results after they vote (default false).</param>
/// <param name="Code">
/// The poll's join code (<c>/v/{code}</c>): 4 to 12 of A-Z and 0-9, any case, stored upper-case, unique among all polls;
/// null: a 6-character code is generated (on edit: the poll keeps its code).
/// </param>
/// <param name="HideResultsUntilReveal">The public results carry no counts until the producer reveals them (on edit, null keeps the setting).</param>
public sealed record CreatePollRequest(
    string? Title, IReadOnlyList<PollOptionDto>? Options, bool? ShowResultsToViewers = null, string? Code = null, bool? HideResultsUntilReveal = null);

/// <param name="ShowResultsToViewers">The vote page shows the live results after a vote (the producer's choice).</param>
/// <param name="ResultsFrozen">The public results (on-air graphic) are held at the snapshot taken when the producer froze them.</param>
/// <param name="ResultsFrozenAt">When they were frozen; null when not frozen.</param>
/// <param name="ResultStatus">
/// Admin views only (null, and absent, to the public): whether the signed final result exists, <c>pending</c> (not
/// closed, or not yet signed), <c>signed</c>, or <c>refused</c> (the reconciliation gate at close failed).
/// </param>
/// <param name="ResultProblem">Admin views only: why the result was refused (or why it is still pending), naming the figures.</param>
/// <param name="Code">The join code (<c>/v/{code}</c>), upper-case.</param>
/// <param name="ResultsHidden">The public results carry no counts until the producer reveals them.</param>
/// <param name="ArchivedAt">When the closed poll was archived (left out of the public list); null when it is not.</param>
/// <param name="VoteUrl">
/// Where viewers vote in this poll, under the configured <c>LiveVote:PublicBaseUrl</c> (never the request's host); null
/// when none is configured. The on-air graphic shows it, and its QR code (<c>GET /v1/polls/{id}/qr.svg</c>).
/// </param>
public sealed record PollDto(
    string Id,
    string Title,
    IReadOnlyList<PollOptionDto> Options,
    string Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset? OpenedAt,
    DateTimeOffset? ClosedAt,
    bool ShowResultsToViewers = false,
    bool ResultsFrozen = false,
    DateTimeOffset? ResultsFrozenAt = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ResultStatus = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ResultProblem = null,
    string? Code = null,
    bool ResultsHidden = false,
    DateTimeOffset? ArchivedAt = null,
    string? VoteUrl = null);

/// <summary><c>POST /v1/polls/{pollId}/viewer-results</c>: whether the vote page shows viewers the live results.</summary>
public sealed record ViewerResultsRequest(bool? Show);

public sealed record PollListDto(IReadOnlyList<PollDto> Polls);

/// <summary>
/// <paramref name="Captcha"/> is the solved CAPTCHA a public registration needs: for the self-hosted ALTCHA challenge
/// the base64 JSON <c>{algorithm, challenge, number, salt, signature}</c>; for a hosted provider its response token.
/// </summary>
public sealed record RegisterViewerRequest(string? DisplayName, string? Captcha = null);

/// <summary>An ALTCHA v1 proof-of-work challenge (<c>GET /v1/captcha/challenge</c>), as the ALTCHA widget reads it.</summary>
public sealed record CaptchaChallengeDto(string Algorithm, string Challenge, long Maxnumber, string Salt, string Signature);

public sealed record RegisterViewerResponse(string ViewerId, string Token, DateTimeOffset ExpiresAt);

public sealed record CastVoteRequest(string? OptionId);

/// <param name="Receipt">The hash of the vote's audit entry (hex).</param>
/// <param name="Log">The Merkle log holding the entry, <c>"{partition}.{chain}"</c> ("0.0" with SQLite).</param>
/// <param name="Leaf">The entry's index in that log: with <paramref name="Log"/>, what an inclusion proof is asked for.</param>
public sealed record VoteResponse(string Status, string VoteId, string Receipt, string Log, long Leaf);

/// <param name="Frozen">
/// True when the producer froze the public results: <paramref name="Totals"/> are the snapshot taken at the freeze and
/// <paramref name="AsOf"/> its time, while counting goes on behind it. Always false in the admin live view.
/// </param>
/// <param name="StalePartitions">
/// With voters spread over several store clusters: the partitions whose part of the totals is not current (the node
/// could not read that cluster lately, so its last good totals are shown); null when every part is current.
/// </param>
/// <param name="Final">
/// True only once the poll's signed result statement exists (<c>GET /v1/polls/{pollId}/result</c>): closed, the
/// reconciliation gate passed and the node signed. A closed poll whose result is not signed is not final.
/// </param>
/// <param name="Hidden">
/// True while the producer hides the poll's results until a reveal: every option's count and the total are 0, whatever
/// was counted. Always false in the admin live view.
/// </param>
public sealed record ResultsDto(
    string PollId,
    string Status,
    IReadOnlyDictionary<string, long> Totals,
    long Total,
    long Version,
    DateTimeOffset AsOf,
    bool Frozen = false,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<int>? StalePartitions = null,
    bool Final = false,
    bool Hidden = false);

/// <summary>
/// <c>GET /v1/polls/{pollId}/result</c>: the signed final result. <paramref name="Statement"/> is the whole signed note
/// (C2SP signed-note, Ed25519, docs/design.md 7.6); <paramref name="Totals"/> and <paramref name="Total"/> are the
/// statement's figures, <paramref name="SignedAt"/> its <c>time</c> line.
/// </summary>
public sealed record PollResultDto(
    string PollId,
    bool Final,
    string Statement,
    IReadOnlyDictionary<string, long> Totals,
    long Total,
    DateTimeOffset SignedAt);

public sealed record AuditEntryDto(
    long Seq,
    string Kind,
    string? PollId,
    string? VoterKey,
    string? OptionId,
    DateTimeOffset At,
    string? Data,
    string PrevHash,
    string Hash,
    int Chain = 0,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Leaf = null);

/// <param name="Partition">The store partition (cluster) whose trail this page is: each cluster keeps its own chains.</param>
/// <param name="Partitions">How many partitions the poll's voters are spread over: pages of every one make the whole trail.</param>
/// <summary>The keys that sign checkpoints and results (<c>GET /.well-known/livevote/audit-keys</c>), active first.</summary>
public sealed record AuditKeysDto(string Origin, IReadOnlyList<AuditKeyDto> Keys);

/// <summary>One Ed25519 key: its C2SP key id (8 hex digits), raw public key (base64) and verifier key text.</summary>
public sealed record AuditKeyDto(string Name, string KeyId, string PublicKey, string VerifierKey, bool Active);

public sealed record AuditPageDto(IReadOnlyList<AuditEntryDto> Entries, long? Next, int Partition = 0, int Partitions = 1);

/// <summary>
/// What a risk decision or admin lockout was based on (<c>GET /v1/admin/evidence</c>, admin key only): kept apart from
/// the public audit trail, whose entry names it by <paramref name="Ref"/> (its <c>"evidence"</c> member), and deleted
/// after <c>LiveVote:Privacy:EvidenceRetention</c>.
/// </summary>
/// <param name="Network">The client's IPv4 /24 or IPv6 /48.</param>
/// <param name="Detail">A risk decision's <c>{"signals":{name:points}}</c>, a lockout's <c>{"failures":n}</c>.</param>
public sealed record RiskEvidenceDto(
    long Seq,
    string Ref,
    string Kind,
    string Action,
    string? PollId,
    string? VoterKey,
    string Network,
    JsonElement Detail,
    DateTimeOffset At);

public sealed record RiskEvidencePageDto(IReadOnlyList<RiskEvidenceDto> Evidence, long? Next);
/// <summary>The latest signed head of one Merkle log of a poll (<c>GET /v1/polls/{id}/audit/logs</c>).</summary>
/// <param name="Log">"{partition}.{chain}".</param>
/// <param name="Root">The tree's root at <paramref name="Size"/> leaves (hex).</param>
/// <param name="Checkpoint">The signed note (C2SP tlog-checkpoint), exactly as signed.</param>
public sealed record AuditLogDto(string Log, int Partition, int Chain, long Size, string Root, string Checkpoint, DateTimeOffset SignedAt);

public sealed record AuditLogsDto(string PollId, IReadOnlyList<AuditLogDto> Logs);

/// <summary>One signed head, as auditors and monitors collect them (<c>GET /v1/polls/{id}/audit/heads</c>).</summary>
public sealed record SignedHeadDto(long Id, string Log, long Size, string Root, DateTimeOffset SignedAt, string Checkpoint);

/// <param name="Next">The id to pass as <c>after</c> for the next page; null on the last page.</param>
/// <param name="Partition">The store partition whose heads this page is.</param>
/// <param name="PartitionCount">How many partitions the poll is spread over: every one's heads make the whole set.</param>
public sealed record SignedHeadsPageDto(IReadOnlyList<SignedHeadDto> Heads, long? Next, int Partition, int PartitionCount);

/// <summary>An RFC 9162 inclusion proof of one leaf in a tree of <paramref name="Size"/> leaves (hashes hex).</summary>
/// <param name="Checkpoint">The signed head of that size (null when none was signed at exactly that size).</param>
public sealed record InclusionProofDto(
    string Log, long Leaf, long Size, string LeafHash, string Root, IReadOnlyList<string> Proof, AuditEntryDto Entry, string? Checkpoint);

/// <summary>An RFC 9162 consistency proof between the trees of <paramref name="From"/> and <paramref name="To"/> leaves (hashes hex).</summary>
public sealed record ConsistencyProofDto(string Log, long From, long To, string FromRoot, string ToRoot, IReadOnlyList<string> Proof);

/// <param name="Store">The database's state as this node last read it (<see cref="StoreStateDto"/>); null on <c>/healthz</c>.</param>
/// <param name="Partitions">Each store partition's state, in partition order (one entry with one cluster); null on <c>/healthz</c>.</param>
public sealed record HealthDto(string Status, string? Detail, StoreStateDto? Store = null, IReadOnlyList<StoreStateDto>? Partitions = null);

/// <summary>
/// The store as a node sees it (readiness, <c>GET /v1/admin/stats</c>). With the embedded SQLite store only
/// <see cref="Status"/> <c>embedded</c>; with PostgreSQL what the node last read through its connection (HAProxy).
/// </summary>
/// <param name="Status">embedded, unknown (not read yet), primary, no-sync-standby (writes wait) or no-primary (failover in progress or database down).</param>
/// <param name="Summary">One line for people, e.g. "primary 10.0.1.5:5432, timeline 3, sync standby zone_b".</param>
/// <param name="Primary">The writable primary reached (address:port), or null.</param>
/// <param name="Timeline">The last primary's timeline: it grows by one with each promotion.</param>
/// <param name="SyncStandbys">The primary's synchronous standbys (Patroni member names).</param>
/// <param name="Failovers">Timeline changes this node has seen since it started.</param>
/// <param name="Since">When the state last changed.</param>
/// <param name="ReadAt">When the node last read it.</param>
/// <param name="Partition">The store partition (cluster index in <c>LiveVote:Postgres:Partitions</c>) this state is of.</param>
public sealed record StoreStateDto(
    string Status,
    string Summary,
    string? Primary,
    long? Timeline,
    IReadOnlyList<string> SyncStandbys,
    long Failovers,
    DateTimeOffset? Since,
    DateTimeOffset? ReadAt,
    int Partition = 0);

/// <summary>
/// Who the console is signed in as (<c>GET /v1/admin/session</c>).
/// </summary>
/// <param name="SignedIn">The request carried the admin key or a signed-in operator's session.</param>
/// <param name="Operator">The operator's name from the broadcaster's OIDC provider; null with the admin key or signed out.</param>
/// <param name="Method"><c>oidc</c> (operator session), <c>admin-key</c>, or null when signed out.</param>
/// <param name="Oidc">Operators may sign in through the broadcaster's OIDC provider (<c>GET /admin/sign-in</c>).</param>
public sealed record AdminSessionDto(bool SignedIn, string? Operator, string? Method, bool Oidc);

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

    // The signed final result (GET /v1/polls/{pollId}/result): not signed yet, or refused by the reconciliation gate.
    public const string ResultNotFinal = "result-not-final";

    // The QR code of a poll's vote URL (GET /v1/polls/{pollId}/qr.svg): 404 while LiveVote:PublicBaseUrl is not configured.
    public const string PublicUrlUnset = "public-url-unset";
    // Poll management: a join code another poll has (409), and the final result of a poll whose results are hidden
    // until the producer reveals them (404).
    public const string CodeTaken = "code-taken";
    public const string ResultsHidden = "results-hidden";

    // Merkle log proofs (GET /v1/polls/{id}/audit/proof/...): 404s. not-yet-signed comes with Retry-After: no signed head
    // covers the leaf yet, one will within a second.
    public const string LogNotFound = "log-not-found";
    public const string LeafNotFound = "leaf-not-found";
    public const string NotYetSigned = "not-yet-signed";

    // Rate limits and adaptive defence (429 with Retry-After; 403 for a vote the risk score refuses). A vote the risk
    // score challenges is 428 CaptchaRequired, with a challenge; the client repeats it with header X-Captcha.
    public const string RateLimited = "rate-limited";
    public const string AdminLockedOut = "admin-locked-out";

    // A change (POST, PUT, DELETE) made with an operator's session cookie from another site, or without saying where
    // it came from (no Origin, no Sec-Fetch-Site): refused 403, so the console's cookie cannot be used for CSRF.
    public const string CrossSiteRequest = "cross-site-request";
    public const string SuspectedBot = "suspected-bot";

    // A poll this node knows whose count it has not read yet (a moment after it started, or after another node changed
    // the poll): 503 with Retry-After, never a 404 that would say the poll does not exist.
    public const string ResultsPending = "results-pending";

    // A results stream over the node's or the client network's limit of open streams (429 with Retry-After).
    public const string TooManyStreams = "too-many-streams";

    // Registration CAPTCHA (POST /v1/viewers without an admin key).
    public const string CaptchaRequired = "captcha-required";
    public const string CaptchaMalformed = "captcha-malformed";
    public const string CaptchaWrongNumber = "captcha-wrong-number";
    public const string CaptchaBadSignature = "captcha-bad-signature";
    public const string CaptchaExpired = "captcha-expired";
    public const string CaptchaReplayed = "captcha-replayed";
    public const string CaptchaSplicedSalt = "captcha-spliced-salt";
    public const string CaptchaRejected = "captcha-rejected";
    public const string CaptchaUnavailable = "captcha-unavailable";
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
[JsonSerializable(typeof(ViewerResultsRequest))]
[JsonSerializable(typeof(RegisterViewerRequest))]
[JsonSerializable(typeof(RegisterViewerResponse))]
[JsonSerializable(typeof(CaptchaChallengeDto))]
[JsonSerializable(typeof(CastVoteRequest))]
[JsonSerializable(typeof(VoteResponse))]
[JsonSerializable(typeof(ResultsDto))]
[JsonSerializable(typeof(PollResultDto))]
[JsonSerializable(typeof(AuditPageDto))]
[JsonSerializable(typeof(RiskEvidencePageDto))]
[JsonSerializable(typeof(AuditLogsDto))]
[JsonSerializable(typeof(SignedHeadsPageDto))]
[JsonSerializable(typeof(InclusionProofDto))]
[JsonSerializable(typeof(ConsistencyProofDto))]
[JsonSerializable(typeof(AuditKeysDto))]
[JsonSerializable(typeof(HealthDto))]
[JsonSerializable(typeof(StoreStateDto))]
[JsonSerializable(typeof(ErasureRequest))]
[JsonSerializable(typeof(ErasureResponse))]
[JsonSerializable(typeof(AdminSessionDto))]
public sealed partial class ContractsJsonContext : JsonSerializerContext;
