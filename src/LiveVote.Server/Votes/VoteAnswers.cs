using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using LiveVote.Contracts;
using LiveVote.Server.Audit;
using LiveVote.Server.Hosting;
using Microsoft.Extensions.Options;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace LiveVote.Server.Votes;

/// <summary>
/// Writes a standing vote's answer (201 or 200, a <see cref="VoteResponse"/>) straight into the response pipe with its
/// Content-Length: the JSON is written synchronously into a per-thread buffer, from the vote's result, with no
/// VoteResponse, receipt or vote id string in between (the usual SQLite vote id is digits, its log "0.0"). Why not
/// <c>TypedResults.Created</c>/<c>Ok</c>: per vote they cost two wrappers, a union wrapper, those strings and the
/// serializer's asynchronous path with a flush of its own (~10% of the vote path's CPU, bench/README.md). The bytes
/// stay the serializer's: member names and order come from the app's <see cref="JsonOptions"/> metadata for
/// <see cref="VoteResponse"/>, strings are escaped by its encoder (VoteAnswersTests compares both writers).
/// </summary>
internal sealed class VoteAnswers
{
    private readonly JsonEncodedText _status;
    private readonly JsonEncodedText _voteId;
    private readonly JsonEncodedText _receipt;
    private readonly JsonEncodedText _log;
    private readonly JsonEncodedText _leaf;

    // One buffer and writer per thread, reused vote after vote: the answer is ~130 bytes and written synchronously.
    private readonly DirectJsonAnswer<VoteAnswers> _answer;

    public VoteAnswers(IOptions<JsonOptions> options)
    {
        var serializer = options.Value.SerializerOptions;
        var json = serializer.GetTypeInfo(typeof(VoteResponse));
        _status = Name(json, serializer, nameof(VoteResponse.Status), 0);
        _voteId = Name(json, serializer, nameof(VoteResponse.VoteId), 1);
        _receipt = Name(json, serializer, nameof(VoteResponse.Receipt), 2);
        _log = Name(json, serializer, nameof(VoteResponse.Log), 3);
        _leaf = Name(json, serializer, nameof(VoteResponse.Leaf), 4);
        if (json.Properties.Count != 5)
        {
            throw new InvalidOperationException($"{nameof(VoteResponse)} has {json.Properties.Count} JSON members; {nameof(VoteAnswers)} writes 5.");
        }

        _answer = new DirectJsonAnswer<VoteAnswers>(serializer, "application/json; charset=utf-8");
    }

    /// <summary>
    /// Sets the status, Content-Type and Content-Length and writes the body; Kestrel flushes it when the endpoint
    /// returns, so nothing is left to await.
    /// </summary>
    public void Write(HttpContext context, int statusCode, string status, in VoteResult result, int partition, bool partitioned)
    {
        WriteJson(_answer.Start(), status, result, partition, partitioned);
        context.Response.StatusCode = statusCode;
        _answer.Send(context.Response);
    }

    /// <summary>
    /// The JSON of <see cref="VoteResponse"/>: the vote id names the vote's audit entry (in a poll spread over several
    /// partitions prefixed by the partition whose trail holds it: "1.3-17"), the receipt is that entry's hash, the log
    /// and leaf name the entry in the poll's Merkle log (docs/design.md, 7.6).
    /// </summary>
    internal void WriteJson(Utf8JsonWriter writer, string status, in VoteResult result, int partition, bool partitioned)
    {
        writer.WriteStartObject();
        writer.WriteString(_status, status);
        if (!partitioned && result.Chain == 0)
        {
            Span<char> seq = stackalloc char[20];
            result.Seq.TryFormat(seq, out var length, default, CultureInfo.InvariantCulture);
            writer.WriteString(_voteId, seq[..length]);
        }
        else
        {
            writer.WriteString(_voteId, partitioned ? result.VoteIdIn(partition) : result.VoteId);
        }

        Span<byte> hash = stackalloc byte[Sha256Hash.Size];
        result.Receipt.Write(hash);
        Span<char> hex = stackalloc char[Sha256Hash.Size * 2];
        Convert.TryToHexStringLower(hash, hex, out _);
        writer.WriteString(_receipt, hex);
        writer.WriteString(_log, AuditLogIds.Format(partition, result.Chain));
        writer.WriteNumber(_leaf, result.Leaf);
        writer.WriteEndObject();
        writer.Flush();
    }

    /// <summary>The member's JSON name, encoded as the serializer encodes it; it must be at the serializer's position.</summary>
    private static JsonEncodedText Name(JsonTypeInfo json, JsonSerializerOptions options, string member, int position)
    {
        var property = json.Properties[position];
        if ((property.AttributeProvider as MemberInfo)?.Name != member)
        {
            throw new InvalidOperationException($"{nameof(VoteResponse)}'s JSON member {position} is not {member}.");
        }

        return JsonEncodedText.Encode(property.Name, options.Encoder);
    }
}
