using LiveVote.Server.Storage.Postgres;
using LiveVote.Server.Storage.Sqlite;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Results.Final;

public static class FinalResultsSetup
{
    /// <summary>
    /// The signed final result: each store partition's SQL (<see cref="IFinalResultSql"/>: per PostgreSQL cluster, or the
    /// SQLite file), the signing service and the sweeper that signs what a close left pending. Needs the storage and the
    /// audit signer registered.
    /// </summary>
    public static WebApplicationBuilder AddFinalResults(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(services => services.GetService<PostgresClusters>() is { } postgres
            ? new FinalResultSources([.. postgres.DataSources.Select(dataSource => new PostgresFinalResultSql(dataSource))])
            : new FinalResultSources([new SqliteFinalResultSql(services.GetRequiredService<IOptions<SqliteOptions>>().Value.Path!)]));
        builder.Services.AddSingleton<FinalResults>();
        builder.Services.AddHostedService<FinalResultSweeper>();
        return builder;
    }
}
