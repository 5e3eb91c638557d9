using LiveVote.Server.Audit;
using LiveVote.Server.Polls;
using Npgsql;

namespace LiveVote.Server.Storage.Postgres;

/// <summary>
/// The producer's presentation changes of a poll in the shared <c>polls</c> row: freeze and release of the public
/// results, and the vote page's results setting. Each UPDATE is guarded by the state the change starts from, so when
/// another node changed the poll first it matches no row and the batch is refused (409 to the producer).
/// </summary>
internal static class PostgresPresentationChanges
{
    public static bool Handles(string kind) =>
        kind is AuditKinds.ResultsFrozen or AuditKinds.ResultsReleased or AuditKinds.ViewerResultsShown or AuditKinds.ViewerResultsHidden;

    public static async Task ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Poll poll, string kind)
    {
        await using var command = new NpgsqlCommand(kind switch
        {
            AuditKinds.ResultsFrozen => """
                UPDATE polls SET frozen_totals = $2, frozen_at = $3, results_revision = results_revision + 1
                WHERE id = $1 AND status = 'open' AND frozen_totals IS NULL
                """,
            AuditKinds.ResultsReleased => """
                UPDATE polls SET frozen_totals = NULL, frozen_at = NULL, results_revision = results_revision + 1
                WHERE id = $1 AND frozen_totals IS NOT NULL
                """,
            _ => "UPDATE polls SET show_results_to_viewers = $2 WHERE id = $1 AND show_results_to_viewers <> $2",
        }, connection, transaction);
        command.Bind(poll.Id);
        switch (kind)
        {
            case AuditKinds.ResultsFrozen:
                command.Bind(FrozenResultsJson.Write(poll)!).Bind(poll.Frozen!.At.ToUnixTimeMilliseconds());
                break;
            case AuditKinds.ViewerResultsShown or AuditKinds.ViewerResultsHidden:
                command.Bind(kind == AuditKinds.ViewerResultsShown);
                break;
        }

        if (await command.ExecuteNonQueryAsync() != 1)
        {
            throw new PollChangeRefusedException(poll.Id);
        }
    }
}
