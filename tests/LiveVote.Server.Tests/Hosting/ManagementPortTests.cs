using System.Net;
using LiveVote.Contracts;
using LiveVote.Server.Hosting;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Tests.Hosting;

/// <summary>
/// <c>LiveVote:Management:Urls</c> (issue 13, item 15): the operator's endpoints on a listener of their own, so the
/// public one need not expose them. The server as a child process, listening on 127.0.0.1 (public) and 127.0.0.2
/// (management), both on ports the OS picks.
/// </summary>
public sealed class ManagementPortTests : IDisposable
{
    private readonly string _folder = TempDirectory.Create("livevote-management");

    public void Dispose() => TempDirectory.Delete(_folder);

    [Fact]
    public async Task WithAManagementListener_OperatorEndpointsAnswerOnlyThere_TheApiOnlyOnThePublicOne()
    {
        await using var server = await ServerProcess.StartAsync(DatabasePath, new Dictionary<string, string> { ["LiveVote__Management__Urls"] = "http://127.0.0.2:0" });
        using var management = new HttpClient { BaseAddress = server.ManagementAddress, Timeout = TimeSpan.FromSeconds(30) };
        using var publicClient = server.Client();

        foreach (var path in new[] { "/metrics", "/healthz", "/readyz", "/METRICS", "/Healthz/" })
        {
            await ProblemAssert.IsAsync(await publicClient.GetAsync(path), HttpStatusCode.NotFound, ErrorCodes.NotFound);
        }

        Assert.Equal(HttpStatusCode.OK, (await management.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await management.GetAsync("/readyz")).StatusCode);
        Assert.Contains("livevote_queue_capacity", await management.GetStringAsync("/metrics"), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, (await publicClient.GetAsync("/v1/polls")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await publicClient.GetAsync("/")).StatusCode);
        foreach (var path in new[] { "/v1/polls", "/", "/vote/demo", "/v1/captcha/challenge" })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await management.GetAsync(path)).StatusCode);
        }

        using var admin = server.Client(admin: true);
        using var adminOnManagement = new HttpClient { BaseAddress = management.BaseAddress };
        adminOnManagement.DefaultRequestHeaders.Add("X-Admin-Key", LiveVoteServer.AdminKey);
        Assert.Equal(HttpStatusCode.NotFound, (await Api.SendRawAsync(adminOnManagement, HttpMethod.Post, "/v1/polls", """{"title":"x","options":[{"id":"a","label":"A"},{"id":"b","label":"B"}]}""")).StatusCode);
        Assert.Empty((await Api.PollsAsync(admin)).Polls);
    }

    [Fact]
    public async Task AManagementUrlThatIsAlsoPublic_TheServerRefusesToStart()
    {
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            ServerProcess.StartAsync(DatabasePath, new Dictionary<string, string> { ["LiveVote__Management__Urls"] = "http://127.0.0.1:0" }));

        Assert.Contains("is also a public URL", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AManagementUrlKestrelDoesNotBind_TheServerRefusesToStart_WithOneLine()
    {
        // Endpoints in Kestrel's configuration make Kestrel ignore the server URLs, the management ones included: the
        // server refuses before it starts, with one line naming the key and exit code 1.
        var run = await ServerProcess.RunToExitAsync(DatabasePath, new Dictionary<string, string>
        {
            ["LiveVote__Management__Urls"] = "http://127.0.0.2:0",
            ["Kestrel__Endpoints__Public__Url"] = "http://127.0.0.1:0",
        });

        Assert.True(run.ExitCode == 1, $"exit {run.ExitCode}\n{run.Stderr}\n{run.Stdout}");
        var line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith("livevote: bad configuration: LiveVote:Management:Urls: no listener would be bound to http://127.0.0.2:0", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Stderr + run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AManagementUrlAlsoListedInKestrelEndpoints_IsBoundAndServesHealth()
    {
        // The same address in Kestrel:Endpoints: bound, so not refused; the management listener answers /healthz.
        var port = FreePorts.Tcp();
        var management = $"http://127.0.0.1:{port}";
        await using var started = await ServerProcess.StartAsync(DatabasePath, new Dictionary<string, string>
        {
            ["LiveVote__Management__Urls"] = management,
            ["Kestrel__Endpoints__Public__Url"] = "http://127.0.0.1:0",
            ["Kestrel__Endpoints__Management__Url"] = management,
        });
        using var client = new HttpClient();
        using var health = await client.GetAsync(new Uri(management + "/healthz"));

        Assert.Equal(System.Net.HttpStatusCode.OK, health.StatusCode);
    }


    [Theory]
    [InlineData("http://10.0.0.5:9090", "10.0.0.5", 9090)]
    [InlineData("http://localhost:9090", "127.0.0.1", 9090)]
    [InlineData("http://*:9090", "::", 9090)]
    [InlineData("https://[::1]:9443", "::1", 9443)]
    public void ManagementUrls_AreReadAsKestrelBindsThem(string url, string address, int port)
    {
        Assert.Null(ManagementListeners.TryParse(url, out var endPoint));
        Assert.Equal(new IPEndPoint(IPAddress.Parse(address), port), endPoint);
    }

    [Theory]
    [InlineData("ftp://10.0.0.5:9090")]
    [InlineData("http://10.0.0.5:9090/metrics")]
    [InlineData("http://unix:/run/livevote.sock")]
    [InlineData("not a url")]
    public void BadManagementUrls_AreRefusedByValidation(string url)
    {
        var validation = new ManagementOptions { Urls = url }.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(new object())).ToList();

        Assert.Single(validation);
    }

    [Fact]
    public void WithoutAManagementListener_NothingIsSplit()
    {
        var listeners = new ManagementListeners(Options.Create(new ManagementOptions()));

        Assert.False(listeners.Enabled);
        Assert.Empty(listeners.Unbound());
    }

    [Fact]
    public void Allows_DecidesOnTheMatchedRouteNotOnThePathText()
    {
        var metrics = new RouteEndpoint(_ => Task.CompletedTask, RoutePatternFactory.Parse("/metrics"), 0, EndpointMetadataCollection.Empty, "metrics");
        var polls = new RouteEndpoint(_ => Task.CompletedTask, RoutePatternFactory.Parse("/v1/polls"), 0, EndpointMetadataCollection.Empty, "polls");

        Assert.False(ManagementListeners.Allows(Request(metrics, onManagement: false)));
        Assert.True(ManagementListeners.Allows(Request(metrics, onManagement: true)));
        Assert.True(ManagementListeners.Allows(Request(polls, onManagement: false)));
        Assert.False(ManagementListeners.Allows(Request(polls, onManagement: true)));
        Assert.False(ManagementListeners.Allows(Request(null, onManagement: true)));
    }

    private string DatabasePath => Path.Combine(_folder, "livevote.db");

    private static DefaultHttpContext Request(Endpoint? endpoint, bool onManagement)
    {
        var context = new DefaultHttpContext();
        context.SetEndpoint(endpoint);
        if (onManagement)
        {
            context.Features.Set(ManagementListeners.ManagementConnection.Instance);
        }

        return context;
    }
}
