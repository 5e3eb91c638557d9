using LiveVote.Server.Polls;
using LiveVote.Server.Security;
using LiveVote.Server.Security.Captcha;
using LiveVote.Server.Storage.Postgres;
using LiveVote.Server.Storage.Sqlite;
using Microsoft.Extensions.Options;
using Npgsql;

namespace LiveVote.Server.Storage;

public static class StorageSetup
{
    /// <summary>
    /// Registers the configured store (<c>LiveVote:Storage</c>): the SQLite file, or the PostgreSQL cluster's one data
    /// source with the store, the refresher that publishes summed totals, the checkpoint writer and the store state monitor.
    /// </summary>
    public static WebApplicationBuilder AddStorage(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section)
            .Validate(o => !string.IsNullOrWhiteSpace(o.DataDirectory), "LiveVote:DataDirectory must name a folder.")
            .ValidateOnStart();
        var kind = builder.Configuration.GetSection(StorageOptions.Section).Get<StorageOptions>()?.Storage ?? StorageKind.Sqlite;
        if (kind == StorageKind.Postgres)
        {
            services.AddOptions<PostgresOptions>().BindConfiguration(PostgresOptions.Section).ValidateDataAnnotations().ValidateOnStart();
            services.AddSingleton<IValidateOptions<PostgresOptions>>(new ValidatePostgresPartitions());

            // This version writes to one cluster (partition 0); ValidatePostgresPartitions refuses a configuration listing more.
            services.AddSingleton(sp => PostgresDataSource.Create(sp.GetRequiredService<IOptions<PostgresOptions>>().Value.PartitionConnectionStrings()[0]));
            services.AddSingleton<PostgresVoteStore>();
            services.AddSingleton<IVoteStore>(sp => sp.GetRequiredService<PostgresVoteStore>());
            services.AddSingleton<ISharedVoteStore>(sp => sp.GetRequiredService<PostgresVoteStore>());
            services.AddSingleton<IPollLookup, SharedPollLookup>();
            services.AddSingleton<IUsedChallengeTable, PostgresUsedChallengeTable>();
            services.AddHostedService<SharedStateRefresher>();
            services.AddHostedService<AuditCheckpointWriter>();
            services.AddSingleton<ClusterStateMonitor>();
            services.AddHostedService(sp => sp.GetRequiredService<ClusterStateMonitor>());

            // Every node of a fleet must issue and honour the same tokens and CAPTCHA challenges and derive the same voter
            // keys: a node must not quietly generate secrets of its own.
            services.AddOptions<SecretsOptions>()
                .Validate(s => !string.IsNullOrEmpty(s.AdminKey) && !string.IsNullOrEmpty(s.TokenSigningKey) && !string.IsNullOrEmpty(s.VoterKeySecret) &&
                               !string.IsNullOrEmpty(s.CaptchaHmacKey),
                    "With LiveVote:Storage=Postgres configure LiveVote:AdminKey, LiveVote:TokenSigningKey, LiveVote:VoterKeySecret and LiveVote:CaptchaHmacKey (the same on every node).")
                .ValidateOnStart();
        }
        else
        {
            services.AddOptions<SqliteOptions>().BindConfiguration(SqliteOptions.Section)
                .PostConfigure<IOptions<StorageOptions>>((sqlite, storage) => sqlite.Path ??= Path.Combine(storage.Value.DataDirectory, SqliteOptions.FileName))
                .ValidateDataAnnotations().ValidateOnStart();
            services.AddSingleton<IVoteStore, SqliteVoteStore>();
            services.AddSingleton<IPollLookup, RegistryPollLookup>();
            services.AddSingleton<IUsedChallengeTable, SqliteUsedChallengeTable>();
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
