using LiveVote.Server.Security;
using LiveVote.Server.Storage.Postgres;
using LiveVote.Server.Storage.Sqlite;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Storage;

public static class StorageSetup
{
    /// <summary>Registers the configured store (<c>LiveVote:Storage</c>) and, for a shared store, the refresher.</summary>
    public static WebApplicationBuilder AddStorage(this WebApplicationBuilder builder)
    {
        var kind = builder.Configuration.GetSection(StorageOptions.Section).Get<StorageOptions>()?.Storage ?? StorageKind.Sqlite;
        builder.Services.AddOptions<SqliteOptions>().BindConfiguration(SqliteOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<PostgresOptions>().BindConfiguration(PostgresOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        if (kind == StorageKind.Postgres)
        {
            builder.Services.AddSingleton<IValidateOptions<PostgresOptions>>(new ValidatePostgresPartitions());
        }

        if (kind == StorageKind.Postgres)
        {
            builder.Services.AddSingleton<IVoteStore, PostgresVoteStore>();
            builder.Services.AddHostedService<SharedStateRefresher>();
            builder.Services.AddHostedService<AuditCheckpointWriter>();
            builder.Services.AddHostedService<ReplicationLagMonitor>();

            // Every node of a fleet must issue and honour the same tokens and derive the same voter keys: a node must
            // not quietly generate secrets of its own.
            builder.Services.AddOptions<SecretsOptions>()
                .Validate(s => !string.IsNullOrEmpty(s.AdminKey) && !string.IsNullOrEmpty(s.TokenSigningKey) && !string.IsNullOrEmpty(s.VoterKeySecret),
                    "With LiveVote:Storage=Postgres configure LiveVote:AdminKey, LiveVote:TokenSigningKey and LiveVote:VoterKeySecret (the same on every node).")
                .ValidateOnStart();
        }
        else
        {
            builder.Services.AddSingleton<IVoteStore, SqliteVoteStore>();
        }

        return builder;
    }

    /// <summary>Start-up check of the store partitions, with the exact reason when the configuration cannot run.</summary>
    private sealed class ValidatePostgresPartitions : IValidateOptions<PostgresOptions>
    {
        public ValidateOptionsResult Validate(string? name, PostgresOptions options) =>
            options.PartitionsProblem() is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
    }
}
