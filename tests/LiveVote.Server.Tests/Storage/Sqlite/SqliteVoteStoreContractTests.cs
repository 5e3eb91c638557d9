using System.Globalization;
using LiveVote.Server.Audit;
using LiveVote.Server.Storage;
using LiveVote.Server.Storage.Sqlite;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Tests.Storage.Sqlite;

/// <summary>The store contract against the embedded store: a SQLite file in a temp folder per test.</summary>
public sealed class SqliteVoteStoreContractTests : VoteStoreContract
{
    private readonly string _directory = TempDirectory.Create("livevote-contract-sqlite");

    private string DatabasePath => Path.Combine(_directory, "livevote.db");

    public override Task InitializeAsync() => Task.CompletedTask;

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
        TempDirectory.Delete(_directory);
    }

    protected override IVoteStore NewStore() => new SqliteVoteStore(Options.Create(new SqliteOptions { Path = DatabasePath }));

    /// <summary>One chain for the whole store: reopening hands the writer the durable head to extend.</summary>
    protected override bool ResumesChainOnReopen => true;

    /// <summary>One process owns the file (a lock file), so the writer's in-memory dedup index is exact.</summary>
    protected override bool AdmitsSecondWriter => false;

    protected override string ExpectedVoteId(AuditEntry entry) => entry.Seq.ToString(CultureInfo.InvariantCulture);

    protected override Task DestroyStorageAsync()
    {
        // The open write connection keeps the unlinked inode alive; new (read) connections find no file.
        SqliteConnection.ClearAllPools();
        foreach (var file in Directory.GetFiles(_directory, "livevote.db*"))
        {
            File.Delete(file);
        }

        return Task.CompletedTask;
    }
}
