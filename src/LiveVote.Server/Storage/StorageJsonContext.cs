using System.Text.Json;
using System.Text.Json.Serialization;
using LiveVote.Server.Polls;

namespace LiveVote.Server.Storage;

/// <summary>
/// Poll definitions as stored in the audit trail; the form is stable (it is hashed). <c>showResultsToViewers</c> and
/// <c>hideResultsUntilReveal</c> are written only when true, so a definition without them reads as before. The join code
/// is not part of it: it is how viewers reach the poll, not what is counted.
/// </summary>
internal sealed record PollDefinition(
    string Title,
    PollOption[] Options,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] bool ShowResultsToViewers = false,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] bool HideResultsUntilReveal = false);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(PollOption[]))]
[JsonSerializable(typeof(PollDefinition))]
internal sealed partial class StorageJsonContext : JsonSerializerContext
{
    public static string OptionsJson(Poll poll) => JsonSerializer.Serialize(poll.Options.ToArray(), Default.PollOptionArray);

    public static string DefinitionJson(Poll poll) =>
        JsonSerializer.Serialize(new PollDefinition(poll.Title, poll.Options.ToArray(), poll.ShowResultsToViewers, poll.ResultsHidden), Default.PollDefinition);

    public static PollOption[] ParseOptions(string json) =>
        JsonSerializer.Deserialize(json, Default.PollOptionArray) ?? throw new InvalidDataException("Stored poll options are empty.");
}
