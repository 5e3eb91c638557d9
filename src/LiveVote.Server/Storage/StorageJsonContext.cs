using System.Text.Json;
using System.Text.Json.Serialization;
using LiveVote.Server.Polls;

namespace LiveVote.Server.Storage;

/// <summary>
/// Poll definitions as stored in the audit trail; the form is stable (it is hashed). <c>showResultsToViewers</c> is
/// written only when true, so a definition without it reads as before.
/// </summary>
internal sealed record PollDefinition(
    string Title,
    PollOption[] Options,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] bool ShowResultsToViewers = false);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(PollOption[]))]
[JsonSerializable(typeof(PollDefinition))]
internal sealed partial class StorageJsonContext : JsonSerializerContext
{
    public static string OptionsJson(Poll poll) => JsonSerializer.Serialize(poll.Options.ToArray(), Default.PollOptionArray);

    public static string DefinitionJson(Poll poll) =>
        JsonSerializer.Serialize(new PollDefinition(poll.Title, poll.Options.ToArray(), poll.ShowResultsToViewers), Default.PollDefinition);

    public static PollOption[] ParseOptions(string json) =>
        JsonSerializer.Deserialize(json, Default.PollOptionArray) ?? throw new InvalidDataException("Stored poll options are empty.");
}
