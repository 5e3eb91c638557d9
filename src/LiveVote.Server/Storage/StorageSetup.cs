using LiveVote.Server.Polls;
using LiveVote.Server.Results;
using LiveVote.Server.Security;
using LiveVote.Server.Security.Captcha;
using LiveVote.Server.Security.Evidence;
using LiveVote.Server.Storage.Postgres;
using LiveVote.Server.Storage.Sqlite;
using Microsoft.Extensions.Options;
using Npgsql;

namespace LiveVote.Server.Storage;

public static class StorageSetup
{
    /// <summary>
    /// Registers the configured store (<c>LiveVote:Storage</c>): the SQLite file, or per PostgreSQL cluster a data source,
    /// store, checkpoint writer and state monitor, with the map guard and the refresher that publishes summed totals.
    /// <see cref="StoreClusters"/> lists the partitions either way; each poll's view per partition is <see cref="PartitionPolls"/>.
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

            // One data source, store, state monitor and checkpoint writer per cluster (partition), in partition order.
            // The count is read here to register a monitor and a checkpoint writer for each; the options are validated
            // on start.
            var partitions = Math.Max(1, builder.Configuration.GetSection(PostgresOptions.Section).Get<PostgresOptions>()?.PartitionConnectionStrings().Count ?? 1);
            services.AddSingleton(sp => new PostgresClusters(sp.GetRequiredService<IOptions<PostgresOptions>>().Value.PartitionConnectionStrings()));
            services.AddSingleton(sp => new StoreClusters([.. sp.GetRequiredService<PostgresClusters>().DataSources.Select(
                dataSource => new PostgresVoteStore(dataSource, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<PostgresVoteStore>>()))]));
            services.AddSingleton(sp => sp.GetRequiredService<PostgresClusters>().DataSources[0]);
            services.AddSingleton(sp => sp.GetRequiredService<StoreClusters>()[0]);
            services.AddSingleton(sp => (ISharedVoteStore)sp.GetRequiredService<StoreClusters>()[0]);
            services.AddSingleton<IPollLookup, SharedPollLookup>();

            // The fleet's used CAPTCHA challenges live in partition 0's cluster: registrations are few, and one table
            // settles first use for the whole fleet.
            services.AddSingleton<IUsedChallengeTable, PostgresUsedChallengeTable>();

            // Risk evidence too: one restricted table the admin endpoint reads whichever node answers.
            services.AddSingleton<IRiskEvidenceTable, PostgresRiskEvidenceTable>();

            // And every node's console figures, so the console sums the fleet whichever node it asks.
            services.AddSingleton<INodeCounterStore, PostgresNodeCounterStore>();

            // Before the writers: refuse a map that disagrees with the clusters (registered before AddIngest's writers).
            services.AddHostedService<ClusterMapGuard>();
            services.AddSingleton<SharedStateRefresher>();
            services.AddHostedService(sp => sp.GetRequiredService<SharedStateRefresher>());
            services.AddSingleton<IResultsCatchUp>(sp => sp.GetRequiredService<SharedStateRefresher>());
            for (var i = 0; i < partitions; i++)
            {
                var partition = i;
                services.AddSingleton(sp => new ClusterStateMonitor(
                    sp.GetRequiredService<PostgresClusters>().DataSources[partition], sp.GetRequiredService<TimeProvider>(),
                    sp.GetRequiredService<ILogger<ClusterStateMonitor>>(), partition));
                services.AddSingleton<IHostedService>(sp => sp.GetServices<ClusterStateMonitor>().Single(m => m.Partition == partition));
                services.AddSingleton<IHostedService>(sp => ActivatorUtilities.CreateInstance<AuditCheckpointWriter>(
                    sp, sp.GetRequiredService<PostgresClusters>().DataSources[partition]));
            }

            // Every node of a fleet must issue and honour the same tokens and CAPTCHA challenges and derive the same voter
            // keys: a node must not quietly generate secrets of its own.
            services.AddOptions<SecretsOptions>()
                .Validate(s => !string.IsNullOrEmpty(s.AdminKey) && !string.IsNullOrEmpty(s.TokenSigningKey) && !string.IsNullOrEmpty(s.VoterKeySecret) &&
                               !string.IsNullOrEmpty(s.CaptchaHmacKey),
                    "With LiveVote:Storage=Postgres configure LiveVote:AdminKey, LiveVote:TokenSigningKey, LiveVote:VoterKeySecret and LiveVote:CaptchaHmacKey (the same on every node).")
                .ValidateOnStart();

            // Heads and results signed by the fleet must verify with one published key: every node signs with the same one.
            services.AddOptions<Audit.Signing.AuditSigningOptions>()
                .Validate(a => !string.IsNullOrEmpty(a.SigningKey),
                    "With LiveVote:Storage=Postgres configure LiveVote:Audit:SigningKey (the same on every node).")
                .ValidateOnStart();
        }
        else
        {
            services.AddOptions<SqliteOptions>().BindConfiguration(SqliteOptions.Section)
                .PostConfigure<IOptions<StorageOptions>>((sqlite, storage) => sqlite.Path ??= Path.Combine(storage.Value.DataDirectory, SqliteOptions.FileName))
                .ValidateDataAnnotations().ValidateOnStart();
            // One turn at the file's write lock for the vote writer and every side table (SqliteWriteTurn).
            services.AddSingleton<SqliteWriteTurn>();
            services.AddSingleton<IVoteStore, SqliteVoteStore>();
            services.AddSingleton(sp => new StoreClusters([sp.GetRequiredService<IVoteStore>()]));
            services.AddSingleton<IPollLookup, RegistryPollLookup>();
            services.AddSingleton<IResultsCatchUp, WriterReportedResults>();
            services.AddSingleton<IUsedChallengeTable, SqliteUsedChallengeTable>();
            services.AddSingleton<IRiskEvidenceTable, SqliteRiskEvidenceTable>();
            services.AddSingleton<INodeCounterStore, SqliteNodeCounterStore>();
        }

        services.AddSingleton(sp => new PartitionPolls(sp.GetRequiredService<PollRegistry>(), sp.GetRequiredService<StoreClusters>().Count));
        return builder;
    }

    /// <summary>Start-up check of the store partitions, with the exact reason when the configuration cannot run.</summary>
    private sealed class ValidatePostgresPartitions : IValidateOptions<PostgresOptions>
    {
        public ValidateOptionsResult Validate(string? name, PostgresOptions options) =>
            options.PartitionsProblem() is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
    }
}
