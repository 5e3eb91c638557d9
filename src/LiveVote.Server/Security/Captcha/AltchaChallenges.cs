using System.Security.Cryptography;
using LiveVote.Contracts;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Security.Captcha;

/// <summary>
/// Issues ALTCHA v1 challenges: a random secret number in 0..maxnumber, a fresh salt carrying its expiry, the challenge
/// hash and our HMAC over it. Nothing is stored: the signature lets any node holding the key verify the solution later.
/// </summary>
public sealed class AltchaChallenges(ServerSecrets secrets, IOptions<CaptchaOptions> options, TimeProvider time)
{
    public CaptchaChallengeDto Create()
    {
        var settings = options.Value;
        var salt = AltchaSalt.Create(time.GetUtcNow() + settings.ChallengeExpiry);
        var number = RandomNumberGenerator.GetInt32(0, settings.MaxNumber + 1);
        var challenge = Altcha.ChallengeFor(salt, number);
        return new CaptchaChallengeDto(Altcha.Algorithm, challenge, settings.MaxNumber, salt, Altcha.SignatureFor(secrets.CaptchaHmacKey, challenge));
    }
}
