using Npgsql;

namespace LiveVote.Server.Tests.Infrastructure;

/// <summary>
/// Holds a chosen node's vote commits open in the middle of their transaction, deterministically and without touching
/// the store's code: a statement trigger on <c>tallies</c> (the last rows a vote batch writes: after its poll locks,
/// its vote rows and its audit entries) waits for an advisory lock the test holds, in sessions started with
/// <see cref="ConnectionOption"/> only. While the test holds it, such a batch sits with everything written and nothing
/// committed (wait event <c>Lock/advisory</c>); <see cref="ReleaseAsync"/> lets it commit.
/// </summary>
public sealed class PostgresCommitPause : IAsyncDisposable
{
    /// <summary>Add to a node's connection string (<c>;</c>-separated) to make its commits pausable.</summary>
    public const string ConnectionOption = $"Options=-c {Setting}=on";

    private const string Setting = "livevote_test.pause_commits";

    // The test's own one-key advisory lock ("LVtest"): no key the store uses.
    private const long Key = 0x4C56_7465_7374;

    private readonly NpgsqlConnection _holder;
    private bool _held;

    private PostgresCommitPause(NpgsqlConnection holder) => _holder = holder;

    /// <summary>Installs the trigger (the node must have migrated the schema) and holds the lock: pausable commits now wait.</summary>
    public static async Task<PostgresCommitPause> HoldAsync(string connectionString)
    {
        var holder = new NpgsqlConnection(PostgresBackends.Unpooled(connectionString));
        await holder.OpenAsync();
        await using (var command = new NpgsqlCommand($"""
            CREATE OR REPLACE FUNCTION livevote_test_pause() RETURNS trigger LANGUAGE plpgsql AS $body$
            BEGIN
                IF current_setting('{Setting}', true) = 'on' THEN
                    PERFORM pg_advisory_lock_shared({Key});
                    PERFORM pg_advisory_unlock_shared({Key});
                END IF;
                RETURN NULL;
            END
            $body$;
            CREATE OR REPLACE TRIGGER livevote_test_pause BEFORE INSERT ON tallies FOR EACH STATEMENT EXECUTE FUNCTION livevote_test_pause();
            SELECT pg_advisory_lock({Key});
            """, holder))
        {
            await command.ExecuteNonQueryAsync();
        }

        return new PostgresCommitPause(holder) { _held = true };
    }

    /// <summary>Lets the paused commits (and every later one) go on.</summary>
    public async Task ReleaseAsync()
    {
        if (!_held)
        {
            return;
        }

        await using var command = new NpgsqlCommand($"SELECT pg_advisory_unlock({Key})", _holder);
        await command.ExecuteNonQueryAsync();
        _held = false;
    }

    public async ValueTask DisposeAsync()
    {
        // Closing the session releases the lock too: a failed test never leaves a node hanging.
        await _holder.DisposeAsync();
    }
}
