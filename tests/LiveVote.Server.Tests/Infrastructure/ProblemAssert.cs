using System.Net;
using System.Text.Json;

namespace LiveVote.Server.Tests.Infrastructure;

/// <summary>Checks that an answer is the documented RFC 9457 problem+json with its machine-readable <c>code</c>.</summary>
public static class ProblemAssert
{
    public const string MediaType = "application/problem+json";

    public static async Task<JsonElement> IsAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status,
            $"Expected {(int)status} '{code}' but got {(int)response.StatusCode} for {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {body}");
        return Parse(response, body, code);
    }

    /// <summary>Any 4xx with problem+json and a code: for inputs where only "refused, clearly" is specified.</summary>
    public static async Task<JsonElement> IsClientErrorAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        var status = (int)response.StatusCode;
        Assert.True(status is >= 400 and < 500, $"Expected a 4xx but got {status} for {response.RequestMessage?.RequestUri}: {body}");
        return Parse(response, body, code: null);
    }

    private static JsonElement Parse(HttpResponseMessage response, string body, string? code)
    {
        Assert.Equal(MediaType, response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        Assert.Equal((int)response.StatusCode, root.GetProperty("status").GetInt32());
        var actual = root.GetProperty("code").GetString();
        Assert.False(string.IsNullOrEmpty(actual), $"problem without a code: {body}");
        if (code is not null)
        {
            Assert.Equal(code, actual);
        }

        // Internal details never leak into an error answer.
        Assert.False(root.TryGetProperty("exception", out _), body);
        return root.Clone();
    }
}
