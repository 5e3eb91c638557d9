using LiveVote.Contracts;

// The bare Kestrel baseline of bench/run.sh: the vote request's shape (POST /v1/polls/{pollId}/votes with a JSON
// {optionId} body, parsed with the same source-generated contract) answered 202 with no body, and nothing else: no
// token check, no queue, no store. What the real server reaches against this is the share of the machine's HTTP limit
// that the vote path keeps.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, ContractsJsonContext.Default));
var app = builder.Build();
app.MapPost("/v1/polls/{pollId}/votes", (string pollId, CastVoteRequest vote) =>
    pollId.Length > 0 && vote.OptionId is { Length: > 0 } ? Results.StatusCode(StatusCodes.Status202Accepted) : Results.BadRequest());
app.MapGet("/healthz", () => Results.Ok());
await app.RunAsync().ConfigureAwait(false);
