using System.Text.Json;

namespace LiveVote.Cli.Audit;

/// <summary>
/// A poll's presentation as the producer's entries set it: whether the vote page shows viewers the results, and the
/// frozen snapshot of the public results while a freeze holds. Replayed by <see cref="PollHistory"/> and held to the
/// polls table. A frozen snapshot can only show votes that were cast (<see cref="StoredTotalsCheck.CheckFreezes"/>).
/// </summary>
internal sealed class PollPresentation(bool showResultsToViewers, bool resultsHidden = false)
{
    public bool ShowResultsToViewers { get; private set; } = showResultsToViewers;

    /// <summary>The public results carry no counts until a reveal.</summary>
    public bool ResultsHidden { get; private set; } = resultsHidden;

    /// <summary>The closed poll is archived (left out of the public list).</summary>
    public bool Archived { get; private set; }

    /// <summary>A draft's edit sets both settings as its definition says.</summary>
    public void Redefined(PollDefinition edited)
    {
        ShowResultsToViewers = edited.ShowResultsToViewers;
        ResultsHidden = edited.HideResultsUntilReveal;
    }

    /// <summary>The data of the results-frozen entry that holds now (the polls table keeps the very same JSON), or null.</summary>
    public string? FrozenData { get; private set; }

    /// <summary>Every freeze, with its counts in the poll's option order (null when the data could not be read).</summary>
    public List<PollFreeze> Freezes { get; } = [];

    /// <summary>Applies a presentation entry; returns what is wrong with it, or null when it is valid here.</summary>
    public string? Apply(string kind, string? data, string status, PollDefinition? definition, EntryRef entry)
    {
        switch (kind)
        {
            case AuditEntryKinds.ResultsFrozen:
                if (status != PollStates.Open)
                {
                    return $"results-frozen while the poll was {status}";
                }

                if (FrozenData is not null)
                {
                    return "results-frozen while its results were frozen already";
                }

                var totals = ParseTotals(data, definition, out var error);
                FrozenData = OperatorData.Snapshot(data);
                Freezes.Add(new PollFreeze(entry, totals));
                return totals is null ? $"results-frozen {error}" : null;
            case AuditEntryKinds.ResultsReleased:
                if (!OperatorData.IsNoneOrOperatorOnly(data))
                {
                    return "results-released entry carries data";
                }

                if (FrozenData is null)
                {
                    return "results-released while its results were not frozen";
                }

                FrozenData = null;
                return null;
            case AuditEntryKinds.ResultsHidden or AuditEntryKinds.ResultsRevealed:
                var hide = kind == AuditEntryKinds.ResultsHidden;
                if (!OperatorData.IsNoneOrOperatorOnly(data))
                {
                    return $"{kind} entry carries data";
                }

                if (ResultsHidden == hide)
                {
                    return $"{kind} while the results were {(hide ? "" : "not ")}hidden already";
                }

                ResultsHidden = hide;
                return null;
            case AuditEntryKinds.PollArchived or AuditEntryKinds.PollUnarchived:
                var archive = kind == AuditEntryKinds.PollArchived;
                if (!OperatorData.IsNoneOrOperatorOnly(data))
                {
                    return $"{kind} entry carries data";
                }

                if (status != PollStates.Closed)
                {
                    return $"{kind} while the poll was {status}";
                }

                if (Archived == archive)
                {
                    return $"{kind} while the poll was {(archive ? "" : "not ")}archived already";
                }

                Archived = archive;
                return null;
            default:
                var show = kind == AuditEntryKinds.ViewerResultsShown;
                if (!OperatorData.IsNoneOrOperatorOnly(data))
                {
                    return $"{kind} entry carries data";
                }

                if (ShowResultsToViewers == show)
                {
                    return $"{kind} while viewers were {(show ? "" : "not ")}shown the results already";
                }

                ShowResultsToViewers = show;
                return null;
        }
    }

    /// <summary>Closing a poll releases a freeze.</summary>
    public void Closed() => FrozenData = null;

    /// <summary>Parses <c>{"totals":{optionId:count}}</c> naming exactly the poll's options with non-negative counts.</summary>
    public static long[]? ParseTotals(string? data, PollDefinition? definition, out string error)
    {
        error = "";
        if (string.IsNullOrEmpty(data))
        {
            error = "has no snapshot in data";
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(data);
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("totals", out var byOption) || byOption.ValueKind != JsonValueKind.Object)
            {
                error = "data is not {\"totals\":{optionId:count}}";
                return null;
            }

            if (definition is null)
            {
                return null;
            }

            var totals = new long[definition.Options.Count];
            var named = 0;
            foreach (var property in byOption.EnumerateObject())
            {
                var index = definition.IndexOfOption(property.Name);
                if (index < 0 || property.Value.ValueKind != JsonValueKind.Number || !property.Value.TryGetInt64(out var count) || count < 0)
                {
                    error = $"data names option '{property.Name}' the poll does not have, or a count that is not a whole number >= 0";
                    return null;
                }

                totals[index] = count;
                named++;
            }

            if (named != definition.Options.Count)
            {
                error = "data does not name every option of the poll once";
                return null;
            }

            return totals;
        }
        catch (JsonException e)
        {
            error = $"data is not valid JSON ({e.Message})";
            return null;
        }
    }
}

/// <summary>One results-frozen entry of a poll and the counts it froze (null when its data could not be read).</summary>
internal sealed record PollFreeze(EntryRef Entry, long[]? Totals);
