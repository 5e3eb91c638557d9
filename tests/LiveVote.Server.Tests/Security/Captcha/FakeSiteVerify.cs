using System.Collections.Concurrent;
using LiveVote.Server.Tests.Security.Tokens;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace LiveVote.Server.Tests.Security.Captcha;

/// <summary>
/// A local stand-in for Turnstile's and hCaptcha's siteverify endpoint, following their documented contract: a form
/// POST of secret, response and remoteip, answered with {"success": bool, "error-codes": [...]}; a token is good once.
/// </summary>
public sealed class FakeSiteVerify : IAsyncDisposable
{
    public const string Secret = "test-hosted-captcha-secret";
    public const string GoodToken = "good-token";
    private readonly ConcurrentDictionary<string, bool> _spent = new(StringComparer.Ordinal);
    private LoopbackApp _app = null!;

    public ConcurrentQueue<Dictionary<string, string>> Requests { get; } = new();

    /// <summary>When set, every call is answered with this status instead (an outage).</summary>
    public int? FailWithStatus { get; set; }

    public Uri Url => _app.Url("/siteverify");

    public static async Task<FakeSiteVerify> StartAsync()
    {
        var fake = new FakeSiteVerify();
        fake._app = await LoopbackApp.StartAsync(app => app.MapPost("/siteverify", fake.VerifyAsync));
        return fake;
    }

    /// <summary>Any token starting with <see cref="GoodToken"/> is good, once, for our secret.</summary>
    public static string NewGoodToken() => GoodToken + "-" + Guid.NewGuid().ToString("N");

    public Task StopAsync() => _app.StopAsync();

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private async Task<IResult> VerifyAsync(HttpRequest request)
    {
        if (!request.HasFormContentType)
        {
            return Microsoft.AspNetCore.Http.Results.BadRequest();
        }

        var form = await request.ReadFormAsync();
        var fields = form.ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal);
        Requests.Enqueue(fields);
        if (FailWithStatus is { } status)
        {
            return Microsoft.AspNetCore.Http.Results.StatusCode(status);
        }

        string? error = fields.GetValueOrDefault("secret") != Secret ? "invalid-input-secret"
            : fields.GetValueOrDefault("response") is not { } token || !token.StartsWith(GoodToken, StringComparison.Ordinal) ? "invalid-input-response"
            : !_spent.TryAdd(token, true) ? "timeout-or-duplicate"
            : null;
        return Microsoft.AspNetCore.Http.Results.Json(new Dictionary<string, object> { ["success"] = error is null, ["error-codes"] = error is null ? Array.Empty<string>() : [error] });
    }
}
