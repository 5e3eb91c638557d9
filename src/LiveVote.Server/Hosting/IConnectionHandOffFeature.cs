namespace LiveVote.Server.Hosting;

/// <summary>
/// Lets a request's handler take its HTTP/1.1 connection away from Kestrel's HTTP layer once its response headers are
/// sent (<see cref="ConnectionHandOff"/>): the handler returns, the HTTP layer lets go of the connection and of every
/// object it kept for it, and <see cref="IConnectionTaker.RunAsync"/> writes the rest of the response on the raw
/// transport. What a long-lived response (a results stream) costs is then its own state, not a whole HTTP request's.
/// </summary>
internal interface IConnectionHandOffFeature
{
    /// <summary>
    /// True when this request's connection can be handed off: HTTP/1.1 with no request body, spoken directly on this
    /// connection's transport (no TLS layer between), not handed off already. The response is then framed by the
    /// taker as Kestrel began it (chunked).
    /// </summary>
    bool CanHandOff(HttpContext context);

    /// <summary>
    /// Hands the connection off (after <see cref="CanHandOff"/>, with the response's headers flushed): from now on the HTTP
    /// layer reads an ended request stream and writes nowhere, and when it has let go, <paramref name="taker"/> runs on
    /// the transport (<see cref="Connection"/>); the connection closes when its task completes.
    /// </summary>
    void HandOff(IConnectionTaker taker);

    /// <summary>
    /// The connection itself, for the taker: its <c>Transport</c> is written, and its <c>ConnectionClosed</c> watched,
    /// only once the HTTP layer has let go; <c>Abort</c> cuts it.
    /// </summary>
    Microsoft.AspNetCore.Connections.ConnectionContext Connection { get; }
}

/// <summary>What serves a connection after its hand-off (<see cref="IConnectionHandOffFeature.HandOff"/>).</summary>
internal interface IConnectionTaker
{
    /// <summary>Runs once the HTTP layer has let go of the connection; the connection closes when the task completes.</summary>
    Task RunAsync();
}
