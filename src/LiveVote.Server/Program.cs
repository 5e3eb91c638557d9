using LiveVote.Server.Audit;
using LiveVote.Server.Audit.Heads;
using LiveVote.Server.Audit.Signing;
using LiveVote.Server.Hosting;
using LiveVote.Server.Hosting.Health;
using LiveVote.Server.Hosting.OpenApi;
using LiveVote.Server.Hosting.Shutdown;
using LiveVote.Server.Polls;
using LiveVote.Server.Privacy;
using LiveVote.Server.Results;
using LiveVote.Server.Results.Final;
using LiveVote.Server.Security.Admin;
using LiveVote.Server.Security.Captcha;
using LiveVote.Server.Security.Evidence;
using LiveVote.Server.Security.Operators;
using LiveVote.Server.Security.RateLimiting;
using LiveVote.Server.Security.Risk;
using LiveVote.Server.Storage;
using LiveVote.Server.Telemetry;
using LiveVote.Server.Viewers;
using LiveVote.Server.Votes;

// A bad configuration value ends the process with one line naming the key, and exit code 1.
ConfigurationErrors.ExitOnBadConfiguration();

// Content (the pages) comes from beside the binary; data paths stay relative to the working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

// Services: AddX registers feature X's services and options, nothing else.
builder.AddHttp();
builder.AddConnectionLimits();
builder.AddManagementPort();
builder.AddTelemetry();
builder.AddHealth();
builder.AddDraining();
builder.AddHardening();
builder.AddStorage();
builder.AddAudit();
builder.AddAuditHeads();
builder.AddSecurity();
builder.AddAdminKey();
builder.AddOperators();
builder.AddCaptcha();
builder.AddRateLimits();
builder.AddRiskScoring();
builder.AddRiskEvidence();
builder.AddIngest();
builder.AddPolls();
builder.AddVotes();
builder.AddVoterKeyRetention();
builder.AddResults();
builder.AddFinalResults();
builder.AddDemoPoll();
builder.AddApiDocument();

var app = builder.Build();

// Middleware, in the order a request passes it (routing runs first, so each one knows the matched endpoint).
app.UseHardening();
app.UseLiveVoteProblemDetails();
app.UseManagementPort();
app.UseAdminKeyGuard();
app.UseOperatorSessions();
app.UseRateLimits();
app.UseRiskSignals();
app.UseStaticPages();
app.UseAdminActionLog();
app.UseAdminKeyRequirement();
app.UsePollIdCheck();

// Endpoints: MapX maps feature X's routes, declaring their policy (admin only, request kind) where they are mapped.
app.MapPages();
app.MapHealth();
app.MapMetrics();
app.MapAdminStats();
app.MapOperators();
app.MapEvidence();
app.MapErasure();
app.MapCaptcha();
app.MapViewers();
app.MapPolls();
var poll = app.MapPollGroup();
poll.MapPoll();
poll.MapPollQrCode();
poll.MapVotes();
poll.MapResults();
poll.MapFinalResult();
poll.MapAudit();
app.MapAuditKeys();
app.MapApiDocument();

app.CheckConfiguration().Run();

/// <summary>Entry point, visible to the integration tests' host.</summary>
public partial class Program;
