using System.Text;
using System.Text.Json;
using LiveVote.Contracts;
using LiveVote.Server.Polls;

namespace LiveVote.Server.Results;

/// <summary>
/// A poll's results as published: serialised once, then served as bytes to every GET and every SSE subscriber until the
/// next one replaces it. Immutable, so a reader never sees half an update.
/// </summary>
public sealed class ResultsSnapshot
{
    private static readonly byte[] EventPrefix = "event: results\ndata: "u8.ToArray();

    private ResultsSnapshot(ResultsDto dto, byte[] json)
    {
        Dto = dto;
        Json = json;
        // A result turning final changes the document but not the count's version: the ETag says so.
        ETag = dto.Final ? $"\"{dto.Version}-final\"" : $"\"{dto.Version}\"";
        SseChunk = Chunk([.. EventPrefix, .. json, (byte)'\n', (byte)'\n'], out var frame);
        SseFrame = frame;
    }

    public ResultsDto Dto { get; }

    public byte[] Json { get; }

    public string ETag { get; }

    /// <summary>The whole SSE event: <c>event: results</c>, one <c>data:</c> line (the JSON has no newline), blank line.</summary>
    public ReadOnlyMemory<byte> SseFrame { get; }

    /// <summary>
    /// <see cref="SseFrame"/> as one HTTP/1.1 chunk (hex length, CRLF, the frame, CRLF), for a stream written on its
    /// connection after the HTTP layer let go of it (<see cref="ResultsStream"/>); the frame is a slice of it, so each
    /// snapshot holds its bytes once.
    /// </summary>
    public byte[] SseChunk { get; }

    /// <summary>Frames <paramref name="frame"/> as one chunk of a chunked HTTP/1.1 body.</summary>
    internal static byte[] Chunk(ReadOnlySpan<byte> frame, out ReadOnlyMemory<byte> inside)
    {
        Span<byte> size = stackalloc byte[10];
        frame.Length.TryFormat(size, out var digits, "x", System.Globalization.CultureInfo.InvariantCulture);
        var chunk = new byte[digits + 2 + frame.Length + 2];
        size[..digits].CopyTo(chunk);
        "\r\n"u8.CopyTo(chunk.AsSpan(digits));
        frame.CopyTo(chunk.AsSpan(digits + 2));
        "\r\n"u8.CopyTo(chunk.AsSpan(digits + 2 + frame.Length));
        inside = chunk.AsMemory(digits + 2, frame.Length);
        return chunk;
    }

    public static ResultsSnapshot Create(
        Poll poll, ReadOnlySpan<long> totals, long version, DateTimeOffset asOf, bool frozen = false, IReadOnlyList<int>? stalePartitions = null,
        bool final = false, bool hidden = false)
    {
        var byOption = new Dictionary<string, long>(poll.Options.Length, StringComparer.Ordinal);
        long total = 0;
        for (var i = 0; i < poll.Options.Length; i++)
        {
            // Hidden until a reveal: every option is there (the graphic shows the answers), no count is.
            var count = hidden || i >= totals.Length ? 0 : totals[i];
            byOption[poll.Options[i].Id] = count;
            total += count;
        }

        var dto = new ResultsDto(
            poll.Id, Poll.StatusName(poll.Status), byOption, total, version, asOf, frozen, stalePartitions is { Count: > 0 } ? stalePartitions : null,
            final && poll.Status == PollStatus.Closed, hidden);
        return new ResultsSnapshot(dto, JsonSerializer.SerializeToUtf8Bytes(dto, ContractsJsonContext.Default.ResultsDto));
    }

    /// <summary>The same snapshot, final: the poll's signed result exists (<see cref="Final.FinalResults"/>).</summary>
    public ResultsSnapshot AsFinal()
    {
        var dto = Dto with { Final = true };
        return new ResultsSnapshot(dto, JsonSerializer.SerializeToUtf8Bytes(dto, ContractsJsonContext.Default.ResultsDto));
    }

    public override string ToString() => Encoding.UTF8.GetString(Json);
}
