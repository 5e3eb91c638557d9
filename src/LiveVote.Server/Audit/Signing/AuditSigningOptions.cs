namespace LiveVote.Server.Audit.Signing;

/// <summary>
/// Section <c>LiveVote:Audit</c>: who signs the audit's tree heads and results, and how often. The private key is
/// configuration, never database content: whoever can write the database must not be able to sign a rewritten log.
/// </summary>
public sealed class AuditSigningOptions
{
    public const string Section = "LiveVote:Audit";

    /// <summary>
    /// The start of every log's origin line (<c>{Origin}/poll/{pollId}/{partition}.{chain}</c>): the broadcaster's name for
    /// its logs, a schema-less URL by C2SP convention, so two operators' logs never share a name.
    /// </summary>
    public string Origin { get; set; } = "livevote.local";

    /// <summary>
    /// Base64 of the 32-byte Ed25519 private key seed (<c>livevote keygen</c>-style: 32 random bytes). Empty: one is
    /// generated into <c>secrets.json</c> (embedded node); a PostgreSQL fleet must configure it, the same on every node.
    /// </summary>
    public string? SigningKey { get; set; }

    /// <summary>The key's name in signature lines and verifier keys; defaults to <see cref="Origin"/>.</summary>
    public string? KeyName { get; set; }

    /// <summary>
    /// Verifier keys (<c>name+keyid+base64</c>) of keys rotated out: still published at the well-known URL, so heads and
    /// results they signed keep verifying. Rotation: configure the new key, list the old one's verifier key here.
    /// </summary>
    public IList<string> PreviousPublicKeys { get; } = [];

    /// <summary>
    /// Milliseconds between signed heads of a growing log (1000: a viewer's receipt is covered by a signed head within about
    /// a second, and a busy node signs about one head per log per second, each a few dozen microseconds).
    /// </summary>
    public int HeadIntervalMs { get; set; } = 1000;
}
