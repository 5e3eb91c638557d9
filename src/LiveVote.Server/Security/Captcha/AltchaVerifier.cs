using System.Security.Cryptography;

namespace LiveVote.Server.Security.Captcha;

/// <summary>
/// Verifies ALTCHA v1 solutions of our own challenges (<see cref="AltchaChallenges"/>). In order, each with its own
/// outcome: the shape, our signature over the challenge (so the challenge is ours), the number (so the work was done),
/// the salt's closing delimiter (no splicing), its expiry, and finally first use (no replay). Only a solution that
/// passed every check is remembered as used, so a failed attempt does not burn a challenge.
/// </summary>
public sealed class AltchaVerifier(ServerSecrets secrets, IUsedChallenges used, TimeProvider time) : ICaptchaVerifier
{
    public CaptchaProvider Provider => CaptchaProvider.Altcha;

    public async ValueTask<CaptchaOutcome> VerifyAsync(string? solution, string? remoteIp, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(solution))
        {
            return CaptchaOutcome.Missing;
        }

        if (!AltchaSolution.TryParse(solution, out var parsed))
        {
            return CaptchaOutcome.Malformed;
        }

        // Parsing let through only 64 lower-case hex characters, so comparing the decoded bytes is comparing the hex.
        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        Span<byte> sent = stackalloc byte[HMACSHA256.HashSizeInBytes];
        Altcha.Sign(secrets.CaptchaHmacKey, parsed!.Challenge, expected);
        Convert.FromHexString(parsed.Signature, sent, out _, out _);
        if (!CryptographicOperations.FixedTimeEquals(expected, sent))
        {
            return CaptchaOutcome.BadSignature;
        }

        Altcha.HashSolution(parsed.Salt, parsed.Number, expected);
        Convert.FromHexString(parsed.Challenge, sent, out _, out _);
        if (!expected.SequenceEqual(sent))
        {
            return CaptchaOutcome.WrongNumber;
        }

        switch (AltchaSalt.TryReadExpiry(parsed.Salt, out var expiresUnix))
        {
            case AltchaSalt.Check.Spliced:
                return CaptchaOutcome.SplicedSalt;
            case AltchaSalt.Check.Malformed:
                return CaptchaOutcome.Malformed;
        }

        var expires = DateTimeOffset.FromUnixTimeSeconds(Math.Min(expiresUnix, DateTimeOffset.MaxValue.ToUnixTimeSeconds()));
        if (time.GetUtcNow() >= expires)
        {
            return CaptchaOutcome.Expired;
        }

        return await used.TryMarkUsedAsync(parsed.Challenge, expires, cancellationToken).ConfigureAwait(false) switch
        {
            UsedChallengeMark.Marked => CaptchaOutcome.Passed,
            UsedChallengeMark.AlreadyUsed => CaptchaOutcome.Replayed,
            _ => CaptchaOutcome.Unavailable,
        };
    }
}
