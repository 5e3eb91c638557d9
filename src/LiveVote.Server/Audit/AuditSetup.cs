using LiveVote.Server.Audit.Signing;

namespace LiveVote.Server.Audit;

public static class AuditSetup
{
    /// <summary>
    /// The audit notes every feature that records a decision (risk scoring, the admin-key lockout) writes through, and the
    /// signer of checkpoints and results.
    /// </summary>
    public static WebApplicationBuilder AddAudit(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<AuditNotes>();
        builder.Services.AddOptions<AuditSigningOptions>().BindConfiguration(AuditSigningOptions.Section)
            .Validate(o => IsNoteName(o.Origin), $"{AuditSigningOptions.Section}:Origin must be a non-empty name without spaces or '+' (e.g. votes.example.com).")
            .Validate(o => string.IsNullOrEmpty(o.KeyName) || IsNoteName(o.KeyName), $"{AuditSigningOptions.Section}:KeyName must be a name without spaces or '+'.")
            .Validate(o => o.HeadIntervalMs is >= 100 and <= 60_000, $"{AuditSigningOptions.Section}:HeadIntervalMs must be 100 to 60000.")
            .ValidateOnStart();
        builder.Services.AddSingleton<AuditSigner>();
        return builder;
    }

    // C2SP signed-note key names and checkpoint origins: non-empty, no whitespace, no '+' (it separates a verifier key's fields).
    private static bool IsNoteName(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= 200 && !name.Any(c => char.IsWhiteSpace(c) || c == '+' || char.IsControl(c));
}
