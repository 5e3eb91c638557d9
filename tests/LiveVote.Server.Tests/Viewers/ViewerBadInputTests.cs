using System.Net;
using System.Net.Http.Json;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Server.Tests.Viewers;

public sealed class ViewerBadInputTests(PopulatedServer fixture) : IClassFixture<PopulatedServer>
{
    [Theory]
    [InlineData("{\"displayName\":", "application/json", HttpStatusCode.BadRequest, ErrorCodes.InvalidRequest)]
    [InlineData("{\"displayName\":5}", "application/json", HttpStatusCode.BadRequest, ErrorCodes.InvalidRequest)]
    [InlineData("{\"displayName\":[\"x\"]}", "application/json", HttpStatusCode.BadRequest, ErrorCodes.InvalidRequest)]
    [InlineData("[]", "application/json", HttpStatusCode.BadRequest, ErrorCodes.InvalidRequest)]
    [InlineData("{\"displayName\":\"\"}", "application/json", HttpStatusCode.BadRequest, ErrorCodes.InvalidRequest)]
    [InlineData("{\"displayName\":\"   \"}", "application/json", HttpStatusCode.BadRequest, ErrorCodes.InvalidRequest)]
    [InlineData("{\"displayName\":\"Ann\"}", "text/plain", HttpStatusCode.UnsupportedMediaType, ErrorCodes.UnsupportedMediaType)]
    public async Task Register_WithBadBody_IsRefusedWithProblemAndChangesNothing(string body, string contentType, HttpStatusCode status, string code)
    {
        var before = await StoredState.CaptureAsync(fixture.Server);

        var response = await Api.SendRawAsync(fixture.Server.Client(), HttpMethod.Post, "/v1/viewers", body, contentType);

        await ProblemAssert.IsAsync(response, status, code);
        Assert.Equal(before, await StoredState.CaptureAsync(fixture.Server));
    }

    [Fact]
    public async Task Register_WithDisplayNameTooLong_IsInvalidRequest()
    {
        var response = await fixture.Server.Client().PostAsJsonAsync("/v1/viewers", new RegisterViewerRequest(new string('n', 65)), ContractsJsonContext.Default.RegisterViewerRequest);

        await ProblemAssert.IsAsync(response, HttpStatusCode.BadRequest, ErrorCodes.InvalidRequest);
    }

    [Fact]
    public async Task Register_WithBodyOver4KiB_IsPayloadTooLargeAndChangesNothing()
    {
        var before = await StoredState.CaptureAsync(fixture.Server);

        var response = await Api.SendRawAsync(fixture.Server.Client(), HttpMethod.Post, "/v1/viewers", "{\"displayName\":\"" + new string('n', 5000) + "\"}");

        await ProblemAssert.IsAsync(response, HttpStatusCode.RequestEntityTooLarge, ErrorCodes.PayloadTooLarge);
        Assert.Equal(before, await StoredState.CaptureAsync(fixture.Server));
    }

    [Fact]
    public async Task Register_WithAdminKeyAndNoBody_IssuesAWorkingTokenForAFreshViewer()
    {
        // The display name is optional: an empty body is a valid (trusted back-end) registration, not bad input.
        var first = await fixture.Server.AdminClient().PostAsync("/v1/viewers", null);
        var second = await fixture.Server.AdminClient().PostAsync("/v1/viewers", null);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var a = (await first.Content.ReadFromJsonAsync(ContractsJsonContext.Default.RegisterViewerResponse))!;
        var b = (await second.Content.ReadFromJsonAsync(ContractsJsonContext.Default.RegisterViewerResponse))!;
        Assert.NotEqual(a.ViewerId, b.ViewerId);
        Assert.True(a.ExpiresAt > DateTimeOffset.UtcNow.AddHours(1));
        Assert.Equal(3, a.Token.Split('.').Length);
    }

    [Fact]
    public async Task Register_PublicWithoutBody_IsCaptchaRequiredAndChangesNothing()
    {
        var before = await StoredState.CaptureAsync(fixture.Server);

        var response = await fixture.Server.Client().PostAsync("/v1/viewers", null);

        await ProblemAssert.IsAsync(response, HttpStatusCode.BadRequest, ErrorCodes.CaptchaRequired);
        Assert.Equal(before, await StoredState.CaptureAsync(fixture.Server));
    }
}
