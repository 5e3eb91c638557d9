namespace LiveVote.Server.Security.Evidence;

public static class EvidenceSetup
{
    /// <summary>
    /// The restricted, expiring store of risk evidence: its retention (<c>LiveVote:Privacy</c>), the recorder the risk
    /// gate and the admin lockout write through, and the purge. The table is the store's (<c>StorageSetup</c>).
    /// </summary>
    public static WebApplicationBuilder AddRiskEvidence(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<EvidenceOptions>().BindConfiguration(EvidenceOptions.Section)
            .Validate(o => o.IsValid(), "LiveVote:Privacy:EvidenceRetention must be more than zero and at most 365 days.")
            .ValidateOnStart();
        builder.Services.AddSingleton<RiskEvidenceRecorder>();
        builder.Services.AddSingleton<Privacy.IVoterDataEraser, RiskEvidenceEraser>();
        builder.Services.AddHostedService<RiskEvidencePurge>();
        return builder;
    }
}
