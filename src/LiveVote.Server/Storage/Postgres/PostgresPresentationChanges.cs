using LiveVote.Server.Audit;
using LiveVote.Server.Polls;
using Npgsql;

namespace LiveVote.Server.Storage.Postgres;

/// <summary>
/// The producer's presentation and management changes of a poll in the shared <c>polls</c> row: freeze and release of
/// the public results, the vote page's results setting, results hidden until a reveal, archive, and a draft's edit and
/// delete. Each UPDATE is guarded by the state the change starts from, so when another node changed the poll first it
/// matches no row and the batch is refused (409 to the producer).
/// </summary>
internal static class PostgresPresentationChanges
{
    public static bool Handles(string kind) =>
        kind is AuditKinds.ResultsFrozen or AuditKinds.ResultsReleased or AuditKinds.ViewerResultsShown or AuditKinds.ViewerResultsHidden
            or AuditKinds.PollEdited or AuditKinds.PollDeleted or AuditKinds.PollArchived or AuditKinds.PollUnarchived
            or AuditKinds.ResultsRevealed or AuditKinds.ResultsHiddenUntilReveal;

    public static async Task ApplyAsync(NpgsqlConnection connection, Poll poll, string kind)
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
            // Only a draft is edited or deleted; a deleted poll changes no more.
            AuditKinds.PollEdited => """
                UPDATE polls SET title = $2, options = $3, show_results_to_viewers = $4, code = $5, results_hidden = $6,
                    results_revision = results_revision + 1
                WHERE id = $1 AND status = 'draft' AND deleted_at IS NULL
                """,
            AuditKinds.PollDeleted => "UPDATE polls SET deleted_at = $2 WHERE id = $1 AND status = 'draft' AND deleted_at IS NULL",
            AuditKinds.PollArchived => "UPDATE polls SET archived_at = $2 WHERE id = $1 AND status = 'closed' AND archived_at IS NULL",
            AuditKinds.PollUnarchived => "UPDATE polls SET archived_at = NULL WHERE id = $1 AND archived_at IS NOT NULL",
            AuditKinds.ResultsRevealed or AuditKinds.ResultsHiddenUntilReveal => """
                UPDATE polls SET results_hidden = $2, results_revision = results_revision + 1
                WHERE id = $1 AND results_hidden <> $2 AND deleted_at IS NULL
                """,
            _ => "UPDATE polls SET show_results_to_viewers = $2 WHERE id = $1 AND show_results_to_viewers <> $2",
        }, connection);
        command.Bind(poll.Id);
        switch (kind)
        {
            case AuditKinds.ResultsFrozen:
                command.Bind(FrozenResultsJson.Write(poll)!).Bind(poll.Frozen!.At.ToUnixTimeMilliseconds());
                break;
            case AuditKinds.ViewerResultsShown or AuditKinds.ViewerResultsHidden:
                command.Bind(kind == AuditKinds.ViewerResultsShown);
                break;
            case AuditKinds.PollEdited:
                command.Bind(poll.Title).Bind(StorageJsonContext.OptionsJson(poll)).Bind(poll.ShowResultsToViewers).Bind(poll.Code).Bind(poll.ResultsHidden);
                break;
            case AuditKinds.PollDeleted:
                command.Bind(poll.DeletedAt!.Value.ToUnixTimeMilliseconds());
                break;
            case AuditKinds.PollArchived:
                command.Bind(poll.ArchivedAt!.Value.ToUnixTimeMilliseconds());
                break;
            case AuditKinds.ResultsRevealed or AuditKinds.ResultsHiddenUntilReveal:
                command.Bind(kind == AuditKinds.ResultsHiddenUntilReveal);
                break;
        }

        if (await command.ExecuteNonQueryAsync() != 1)
        {
            throw new PollChangeRefusedException(poll.Id);
        }
    }
}
