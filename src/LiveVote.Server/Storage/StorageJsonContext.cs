using System.Text.Json;
using System.Text.Json.Serialization;
using LiveVote.Server.Polls;

namespace LiveVote.Server.Storage;

/// <summary>Poll definitions as stored in a column and in the audit trail; the form is stable (it is hashed).</summary>
internal sealed record PollDefinition(string Title, PollOption[] Options);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(PollOption[]))]
[JsonSerializable(typeof(PollDefinition))]
internal sealed partial class StorageJsonContext : JsonSerializerContext
{
    public static string OptionsJson(Poll poll) => JsonSerializer.Serialize(poll.Options.ToArray(), Default.PollOptionArray);

    public static string DefinitionJson(Poll poll) =>
        JsonSerializer.Serialize(new PollDefinition(poll.Title, poll.Options.ToArray()), Default.PollDefinition);

    public static PollOption[] ParseOptions(string json) =>
        JsonSerializer.Deserialize(json, Default.PollOptionArray) ?? throw new InvalidDataException("Stored poll options are empty.");
}
