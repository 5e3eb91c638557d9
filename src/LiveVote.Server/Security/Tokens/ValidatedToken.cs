namespace LiveVote.Server.Security.Tokens;

/// <summary>
/// A viewer token that passed validation: whom it speaks for and when it was issued (its <c>iat</c>; null when it
/// carries none), so the risk check reads the token's age from the one validation instead of parsing the token again.
/// The viewer id of one of our tokens is held as the token's UTF-8 bytes (<see cref="TokenViewerId"/>): a vote makes no
/// string of it.
/// </summary>
public readonly record struct ValidatedToken(TokenViewerId ViewerId, DateTimeOffset? IssuedAt)
{
    public ValidatedToken(string viewerId, DateTimeOffset? issuedAt)
        : this(new TokenViewerId(viewerId), issuedAt)
    {
    }
}

/// <summary>The outcome of checking a viewer token: the validated token when <see cref="Error"/> is None.</summary>
public readonly record struct TokenCheck(TokenError Error, ValidatedToken Token)
{
    public bool IsValid => Error == TokenError.None;

    public static TokenCheck Valid(ValidatedToken token) => new(TokenError.None, token);

    public static TokenCheck Refused(TokenError error) => new(error, new ValidatedToken("", null));
}
