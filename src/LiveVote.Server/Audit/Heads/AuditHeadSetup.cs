namespace LiveVote.Server.Audit.Heads;

public static class AuditHeadSetup
{
    /// <summary>
    /// The committed heads the writers publish and the signer of checkpoints. Call before <c>AddIngest</c>: hosted
    /// services stop in reverse order, so the signer stops after the writers have drained and signs their last heads.
    /// </summary>
    public static WebApplicationBuilder AddAuditHeads(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<CommittedLogHeads>();
        builder.Services.AddHostedService<HeadSigner>();
        return builder;
    }
}
