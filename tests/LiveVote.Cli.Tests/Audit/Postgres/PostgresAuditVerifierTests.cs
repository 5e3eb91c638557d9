using LiveVote.Cli.Audit.Postgres;
using Npgsql;

namespace LiveVote.Cli.Tests.Audit.Postgres;

/// <summary>The verifier's own connection settings on top of the auditor's connection string.</summary>
public sealed class PostgresAuditVerifierTests
{
    [Fact]
    public void Builder_IsUnpooledNamedAndWithoutGssEncryption_KeepingTheAuditorsSettings()
    {
        var builder = PostgresAuditVerifier.Builder("Host=db.example;Port=5433;Username=auditor;Database=votes");

        Assert.Equal(GssEncryptionMode.Disable, builder.GssEncryptionMode);
        Assert.False(builder.Pooling);
        Assert.Equal("livevote-audit-verify", builder.ApplicationName);
        Assert.Equal(("db.example", 5433, "auditor", "votes"), (builder.Host, builder.Port, builder.Username, builder.Database));
    }

    [Fact]
    public void Builder_KeepsAGssEncryptionModeTheAuditorAskedFor()
    {
        Assert.Equal(GssEncryptionMode.Require, PostgresAuditVerifier.Builder("Host=db.example;GSS Encryption Mode=Require").GssEncryptionMode);
    }
}
