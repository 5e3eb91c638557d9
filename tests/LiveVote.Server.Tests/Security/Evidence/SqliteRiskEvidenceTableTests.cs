using LiveVote.Server.Security.Evidence;
using LiveVote.Server.Storage.Sqlite;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Tests.Security.Evidence;

/// <summary>The evidence table contract on a real SQLite file, opened (and migrated) by the vote store, as in the server.</summary>
public sealed class SqliteRiskEvidenceTableTests : RiskEvidenceTableContract, IAsyncLifetime
{
    private readonly string _directory = TempDirectory.Create("livevote-evidence");
    private SqliteVoteStore? _store;
    private SqliteRiskEvidenceTable? _table;

    private protected override IRiskEvidenceTable Table => _table ?? throw new InvalidOperationException("Not initialised.");

    public async Task InitializeAsync()
    {
        var settings = Options.Create(new SqliteOptions { Path = Path.Combine(_directory, "livevote.db") });
        _store = new SqliteVoteStore(settings);
        await _store.OpenAsync(CancellationToken.None);
        _table = new SqliteRiskEvidenceTable(settings);
    }

    public async Task DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        SqliteConnection.ClearAllPools();
        TempDirectory.Delete(_directory);
    }
}
