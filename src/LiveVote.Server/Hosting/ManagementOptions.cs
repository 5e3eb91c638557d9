using System.ComponentModel.DataAnnotations;

namespace LiveVote.Server.Hosting;

/// <summary>
/// Configuration section <c>LiveVote:Management</c>: a listener of its own for the operator's endpoints
/// (<c>/metrics</c>, <c>/healthz</c>, <c>/readyz</c>), so the public listener need not expose them and a flooded public
/// listener does not blind monitoring or fail health probes.
/// </summary>
public sealed class ManagementOptions : IValidatableObject
{
    public const string Section = "LiveVote:Management";

    /// <summary>
    /// URLs of the management listener, separated by ';' like ASP.NET Core's <c>urls</c>, e.g.
    /// <c>http://10.0.0.5:9090</c> (the monitoring network's interface) or <c>http://127.0.0.1:9090</c>. Empty (the
    /// default): the operator's endpoints are served on the public listener, as before. When set, they answer 404 on the
    /// public listener and everything else answers 404 on the management one.
    /// </summary>
    public string Urls { get; set; } = "";

    /// <summary>The configured URLs, split and trimmed.</summary>
    public IReadOnlyList<string> UrlList() => Urls.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var url in UrlList())
        {
            if (ManagementListeners.TryParse(url, out _) is { } error)
            {
                yield return new ValidationResult($"{Section}:Urls: '{url}' {error}", [nameof(Urls)]);
            }
        }
    }
}
