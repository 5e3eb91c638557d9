namespace LiveVote.Server.Security.Tokens;

/// <summary>Why a viewer token was refused (<see cref="None"/>: it was not). Every refusal is 401 to the client.</summary>
public enum TokenError
{
    None,
    Missing,
    Malformed,
    BadSignature,
    UnknownKey,
    WrongIssuer,
    WrongAudience,
    Expired,
}
