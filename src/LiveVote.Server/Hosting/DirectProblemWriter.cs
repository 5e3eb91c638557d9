using System.Text.Json;
using Microsoft.Extensions.Options;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;
using ProblemDetails = Microsoft.AspNetCore.Mvc.ProblemDetails;

namespace LiveVote.Server.Hosting;

/// <summary>
/// The first problem details writer: a problem already complete (status, title, type and a <c>code</c> set, every
/// extension a string, no exception) is written straight into the response pipe with its Content-Length, the way
/// <see cref="Votes.VoteAnswers"/> writes a vote's answer. Every refusal the endpoints make (<see cref="Problems"/>) is
/// such a problem. Why: through the framework's writers each cost an Accept header parse, an extensions dictionary
/// serialized through the object-typed converters and the serializer's asynchronous, chunked path, about a fifth of the
/// server's CPU for a refused vote (bench/README.md, "Sixth round"): what a flood of junk tokens costs the node.
/// For such a problem the framework's writers have nothing left to default and the app's customization nothing to
/// change, so the bytes are theirs (DirectProblemWriterTests compares them for every Accept header). Anything else
/// (a framework error without a code, an exception, another extension type) goes on to them as before.
/// </summary>
internal sealed class DirectProblemWriter : IProblemDetailsWriter
{
    private const string ContentType = "application/problem+json";

    private readonly ProblemDetailsOptions _options;

    // Per thread, reused answer after answer: a problem is a few hundred bytes, written synchronously.
    private readonly DirectJsonAnswer<DirectProblemWriter> _answer;
    private readonly JsonEncodedText _type;
    private readonly JsonEncodedText _title;
    private readonly JsonEncodedText _status;
    private readonly JsonEncodedText _detail;
    private readonly JsonEncodedText _instance;

    public DirectProblemWriter(IOptions<ProblemDetailsOptions> options, IOptions<JsonOptions> json)
    {
        _options = options.Value;
        var serializer = json.Value.SerializerOptions;

        _answer = new DirectJsonAnswer<DirectProblemWriter>(serializer, ContentType);

        // ProblemDetails names its members with [JsonPropertyName]; no naming policy applies to them.
        _type = JsonEncodedText.Encode("type", serializer.Encoder);
        _title = JsonEncodedText.Encode("title", serializer.Encoder);
        _status = JsonEncodedText.Encode("status", serializer.Encoder);
        _detail = JsonEncodedText.Encode("detail", serializer.Encoder);
        _instance = JsonEncodedText.Encode("instance", serializer.Encoder);
    }

    public bool CanWrite(ProblemDetailsContext context) => context.Exception is null && IsComplete(context.ProblemDetails);

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        // The app's customization runs as under the framework's writers (it changes nothing of a complete problem, but
        // it stays the one place that decides); what it leaves is written here only if still complete.
        _options.CustomizeProblemDetails?.Invoke(context);
        var details = context.ProblemDetails;
        var response = context.HttpContext.Response;
        if (!IsComplete(details))
        {
            return new ValueTask(response.WriteAsJsonAsync(details, details.GetType(), options: null, ContentType, context.HttpContext.RequestAborted));
        }

        WriteJson(_answer.Start(), details);
        _answer.Send(response);
        return ValueTask.CompletedTask;
    }

    /// <summary>The serializer's JSON of the problem: its members in their order, null ones left out, then the extensions.</summary>
    internal void WriteJson(Utf8JsonWriter writer, ProblemDetails details)
    {
        writer.WriteStartObject();
        writer.WriteString(_type, details.Type);
        writer.WriteString(_title, details.Title);
        writer.WriteNumber(_status, details.Status!.Value);
        if (details.Detail is not null)
        {
            writer.WriteString(_detail, details.Detail);
        }

        if (details.Instance is not null)
        {
            writer.WriteString(_instance, details.Instance);
        }

        foreach (var (name, value) in details.Extensions)
        {
            writer.WriteString(name, (string)value!);
        }

        writer.WriteEndObject();
        writer.Flush();
    }

    /// <summary>
    /// Nothing for the framework to default (status, title, type), a <c>code</c>, only string extensions (the converters
    /// of other types stay the serializer's), and exactly a <see cref="ProblemDetails"/> (a validation problem has more).
    /// </summary>
    private static bool IsComplete(ProblemDetails details)
    {
        if (details.GetType() != typeof(ProblemDetails) || details.Status is null || details.Title is null || details.Type is null
            || !details.Extensions.ContainsKey("code"))
        {
            return false;
        }

        foreach (var (_, value) in details.Extensions)
        {
            if (value is not string)
            {
                return false;
            }
        }

        return true;
    }
}
