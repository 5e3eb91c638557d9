using LiveVote.Server.Audit;
using LiveVote.Server.Hosting;
using LiveVote.Server.Polls;
using LiveVote.Server.Results;
using LiveVote.Server.Viewers;
using LiveVote.Server.Votes;

// Content (the pages) comes from beside the binary; data paths stay relative to the working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

builder.AddHttp();
builder.AddStorage();
builder.AddSecurity();
builder.AddIngest();
builder.AddResults();
builder.AddDemoPoll();

var app = builder.Build();

app.UseLiveVoteProblemDetails();
app.MapPages();
app.MapHealth();
app.MapPolls();
app.MapViewers();
app.MapVotes();
app.MapResults();
app.MapAudit();

app.Run();

/// <summary>Entry point, visible to the integration tests' host.</summary>
public partial class Program;
