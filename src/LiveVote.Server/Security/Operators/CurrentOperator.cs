namespace LiveVote.Server.Security.Operators;

/// <summary>
/// The operator of the admin request being served, for code that has no <see cref="HttpContext"/> (the producer's
/// poll changes: <c>PollAdmin</c> stamps every command it sends with it). Set by the admin gate
/// (<c>AdminKeyRequirement</c>) for the endpoint's run only, and null outside it (background work: the demo poll,
/// voter-key retention). An <see cref="AsyncLocal{T}"/> set on admin requests alone, rather than
/// <c>IHttpContextAccessor</c>, which would cost every request (votes above all) an extra execution-context write.
/// </summary>
internal sealed class CurrentOperator
{
    private readonly AsyncLocal<string?> _current = new();

    /// <summary>The operator's name, <see cref="OperatorSession.AdminKeyName"/> for the admin key, or null.</summary>
    public string? Name => _current.Value;

    /// <summary>Runs <paramref name="next"/> as <paramref name="name"/>; the value ends with it (async: restored on return).</summary>
    public async Task RunAsAsync(string? name, RequestDelegate next, HttpContext context)
    {
        _current.Value = name;
        await next(context);
    }
}
