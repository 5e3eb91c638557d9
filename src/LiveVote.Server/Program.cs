using LiveVote.Server.Audit;
using LiveVote.Server.Hosting;
using LiveVote.Server.Polls;
using LiveVote.Server.Results;
using LiveVote.Server.Security.Admin;
using LiveVote.Server.Security.Captcha;
using LiveVote.Server.Security.RateLimiting;
using LiveVote.Server.Security.Risk;
using LiveVote.Server.Storage;
using LiveVote.Server.Telemetry;
using LiveVote.Server.Viewers;
using LiveVote.Server.Votes;

// Content (the pages) comes from beside the binary; data paths stay relative to the working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

builder.AddHttp();
builder.AddTelemetry();
builder.AddHardening();
builder.AddStorage();
builder.AddSecurity();
builder.AddAdminKey();
builder.AddCaptcha();
builder.AddRateLimits();
builder.AddRiskScoring();
builder.AddIngest();
builder.AddResults();
builder.AddDemoPoll();

var app = builder.Build();

app.UseHardening();
app.UseLiveVoteProblemDetails();
app.UseAdminKeyGuard();
app.UseRateLimits();
app.UseRiskSignals();
app.MapPages();
app.MapHealth();
app.UseTelemetry();
app.UseAdminKeyRequirement();
app.UsePollIdCheck();
app.MapPolls();
app.MapViewers();
var poll = app.MapPollGroup();
poll.MapPoll();
poll.MapVotes();
poll.MapResults();
poll.MapAudit();

app.Run();

/// <summary>Entry point, visible to the integration tests' host.</summary>
public partial class Program;
