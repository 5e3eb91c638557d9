using System.Text.Json;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Security.Captcha;

/// <summary>
/// Cloudflare Turnstile or hCaptcha: the widget gives the client a response token, and we ask the provider's siteverify
/// endpoint whether it is good. Both share the contract: a form POST of <c>secret</c>, <c>response</c> and optionally
/// <c>remoteip</c>, answered with JSON whose <c>success</c> is true or false. The providers refuse a token used twice, so
/// replay protection is theirs. When siteverify cannot answer we refuse with 503 and let the client retry: failing open
/// would let bots through during an outage.
/// </summary>
public sealed partial class HostedCaptchaVerifier(IHttpClientFactory http, IOptions<CaptchaOptions> options, ILogger<HostedCaptchaVerifier> logger)
    : ICaptchaVerifier
{
    public const string HttpClientName = "LiveVote.Captcha";

    /// <summary>Turnstile tokens are at most 2048 characters; hCaptcha's are shorter.</summary>
    public const int MaxTokenLength = 4096;

    public CaptchaProvider Provider => options.Value.Provider;

    public async ValueTask<CaptchaOutcome> VerifyAsync(string? solution, string? remoteIp, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(solution))
        {
            return CaptchaOutcome.Missing;
        }

        if (solution.Length > MaxTokenLength)
        {
            return CaptchaOutcome.Malformed;
        }

        var settings = options.Value;
        var form = new List<KeyValuePair<string, string>>
        {
            new("secret", settings.Secret!),
            new("response", solution),
        };
        if (!string.IsNullOrEmpty(remoteIp))
        {
            form.Add(new("remoteip", remoteIp));
        }

        try
        {
            using var client = http.CreateClient(HttpClientName);
            using var content = new FormUrlEncodedContent(form);
            using var response = await client.PostAsync(new Uri(settings.EffectiveSiteVerifyUrl), content, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                LogUnavailable(logger, settings.Provider, $"HTTP {(int)response.StatusCode}");
                return CaptchaOutcome.Unavailable;
            }

            // Bounded by the client's MaxResponseContentBufferSize (CaptchaServices).
            using var verdict = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false));
            return verdict.RootElement.ValueKind == JsonValueKind.Object &&
                   verdict.RootElement.TryGetProperty("success", out var success) && success.ValueKind == JsonValueKind.True
                ? CaptchaOutcome.Passed
                : CaptchaOutcome.Rejected;
        }
        catch (Exception e) when (e is HttpRequestException or JsonException ||
                                  (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            LogUnavailable(logger, settings.Provider, e.GetType().Name);
            return CaptchaOutcome.Unavailable;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Provider} siteverify did not answer ({Reason}): registrations are refused with 503 until it does.")]
    private static partial void LogUnavailable(ILogger logger, CaptchaProvider provider, string reason);
}
