using System.Net;
using System.Text.Json;
using LiveVote.Server.Polls;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;

namespace LiveVote.Server.Tests.Polls;

/// <summary>The demo poll: on by default only in Development, which is what the README's <c>dotnet run</c> uses.</summary>
public sealed class DemoPollSeederTests
{
    [Theory]
    [InlineData("Development", null, true)]
    [InlineData("Production", null, false)]
    [InlineData("Staging", null, false)]
    [InlineData("Production", true, true)]
    [InlineData("Development", false, false)]
    public void IsOn_ByDefaultOnlyInDevelopment(string environment, bool? enabled, bool expected)
    {
        Assert.Equal(expected, new DemoOptions { Enabled = enabled }.IsOn(new HostingEnvironment { EnvironmentName = environment }));
    }

    [Theory]
    [InlineData("Development", HttpStatusCode.OK)]
    [InlineData("Production", HttpStatusCode.NotFound)]
    public async Task Unset_DemoPollExistsOnlyInDevelopment(string environment, HttpStatusCode expected)
    {
        await using var server = new LiveVoteServer(new Dictionary<string, string?>
        {
            ["LiveVote:Demo:Enabled"] = null,
            [HostDefaults.EnvironmentKey] = environment,
        });

        using var demo = await server.Client().GetAsync($"/v1/polls/{DemoPollSeeder.DemoPollId}");

        Assert.Equal(expected, demo.StatusCode);
    }

    [Fact]
    public void DotnetRun_UsesDevelopment_OnTheReadmesAddress()
    {
        using var settings = JsonDocument.Parse(File.ReadAllText(Path.Combine(
            DeployTemplate.RepositoryRoot, "src", "LiveVote.Server", "Properties", "launchSettings.json")));
        var profile = settings.RootElement.GetProperty("profiles").EnumerateObject().First().Value;

        Assert.Equal("Project", profile.GetProperty("commandName").GetString());
        Assert.Equal("Development", profile.GetProperty("environmentVariables").GetProperty("ASPNETCORE_ENVIRONMENT").GetString());
        Assert.Equal("http://localhost:5000", profile.GetProperty("applicationUrl").GetString());

        // The one-command run shows a vote URL and QR code, on the address it listens at.
        Assert.Equal("http://localhost:5000", profile.GetProperty("environmentVariables").GetProperty("LiveVote__PublicBaseUrl").GetString());
        Assert.Contains("<http://localhost:5000/vote/demo>", File.ReadAllText(Path.Combine(DeployTemplate.RepositoryRoot, "README.md")), StringComparison.Ordinal);
    }
}
