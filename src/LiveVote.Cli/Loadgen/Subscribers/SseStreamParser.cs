using System.Buffers.Text;

namespace LiveVote.Cli.Loadgen.Subscribers;

/// <summary>What a parsed results stream hands on: each complete SSE event and each comment line.</summary>
internal interface ISseSink
{
    /// <summary>A dispatched event (blank line): its <c>event:</c> name ("message" when none), its data lines joined by '\n', its <c>id:</c>.</summary>
    void OnEvent(ReadOnlySpan<byte> eventName, ReadOnlySpan<byte> data, string? id);

    /// <summary>A comment line (<c>: keep-alive</c>).</summary>
    void OnComment();
}

/// <summary>
/// Incremental parser of one HTTP/1.1 response carrying <c>text/event-stream</c>: the status line and headers, then the
/// body (chunked, as Kestrel sends a response of unknown length, or plain until the connection closes), then SSE lines:
/// <c>event:</c>, <c>data:</c> (several are joined by '\n'), <c>id:</c>, <c>retry:</c>, comments, a blank line dispatching
/// the event. Bytes may arrive split anywhere. Written for 19,000 of them in one process: no allocation per byte or per
/// line, only a line buffer and a data buffer that grow to the longest line seen.
/// </summary>
internal sealed class SseStreamParser(ISseSink sink)
{
    private enum Stage
    {
        Head,
        ChunkSize,
        ChunkData,
        ChunkDataEnd,
        Identity,
        Ended,
    }

    private static readonly byte[] DefaultEvent = "message"u8.ToArray();

    private Stage _stage = Stage.Head;
    private byte[] _line = new byte[512];
    private int _lineLength;

    // Head and chunk-size lines: apart from _line, which may hold a partial SSE line when a chunk ends in its middle.
    private byte[] _control = new byte[256];
    private int _controlLength;
    private byte[] _data = new byte[512];
    private int _dataLength;
    private bool _hasData;
    private byte[]? _eventName;
    private string? _id;
    private long _chunkRemaining;
    private bool _chunked;

    /// <summary>The response's status code, 0 until the status line has arrived.</summary>
    public int StatusCode { get; private set; }

    /// <summary>The status line and headers have arrived; the body follows.</summary>
    public bool HeadComplete => _stage > Stage.Head;

    /// <summary>The server ended the body (the last chunk): the stream is over.</summary>
    public bool Ended => _stage == Stage.Ended;

    /// <summary>Set when the response broke the protocol (a bad chunk size); parsing stops there.</summary>
    public string? Error { get; private set; }

    public void Feed(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty && _stage != Stage.Ended && Error is null)
        {
            switch (_stage)
            {
                case Stage.Head:
                case Stage.ChunkSize:
                case Stage.ChunkDataEnd:
                    bytes = FeedControlLine(bytes);
                    break;
                case Stage.ChunkData:
                    var take = (int)Math.Min(_chunkRemaining, bytes.Length);
                    FeedBody(bytes[..take]);
                    bytes = bytes[take..];
                    _chunkRemaining -= take;
                    if (_chunkRemaining == 0)
                    {
                        _stage = Stage.ChunkDataEnd;
                    }

                    break;
                default:
                    FeedBody(bytes);
                    bytes = [];
                    break;
            }
        }
    }

    /// <summary>Lines of the head and of the chunk framing (CRLF-terminated), kept in the line buffer until complete.</summary>
    private ReadOnlySpan<byte> FeedControlLine(ReadOnlySpan<byte> bytes)
    {
        var end = bytes.IndexOf((byte)'\n');
        if (end < 0)
        {
            Append(ref _control, ref _controlLength, bytes);
            return [];
        }

        Append(ref _control, ref _controlLength, bytes[..end]);
        var line = _control.AsSpan(0, _controlLength).TrimEnd((byte)'\r');
        _controlLength = 0;
        OnControlLine(line);
        return bytes[(end + 1)..];
    }

    private void OnControlLine(ReadOnlySpan<byte> line)
    {
        switch (_stage)
        {
            case Stage.Head when StatusCode == 0:
                // "HTTP/1.1 200 OK"
                var space = line.IndexOf((byte)' ');
                if (space < 0 || !Utf8Parser.TryParse(line[(space + 1)..], out int status, out _))
                {
                    Error = "bad status line";
                    return;
                }

                StatusCode = status;
                break;
            case Stage.Head when line.IsEmpty:
                _stage = _chunked ? Stage.ChunkSize : Stage.Identity;
                break;
            case Stage.Head:
                if (line.Length > 18 && System.Text.Ascii.EqualsIgnoreCase(line[..18], "transfer-encoding:"u8) && line.IndexOf("chunked"u8) >= 0)
                {
                    _chunked = true;
                }

                break;
            case Stage.ChunkSize:
                var extension = line.IndexOf((byte)';');
                if (!Utf8Parser.TryParse(extension < 0 ? line : line[..extension], out long size, out _, 'x'))
                {
                    Error = "bad chunk size";
                    return;
                }

                _chunkRemaining = size;
                _stage = size == 0 ? Stage.Ended : Stage.ChunkData;
                break;
            case Stage.ChunkDataEnd:
                _stage = Stage.ChunkSize;
                break;
        }
    }

    /// <summary>Body bytes: SSE lines ending in LF or CRLF (a lone CR, which the format also allows, is not handled).</summary>
    private void FeedBody(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            var end = bytes.IndexOf((byte)'\n');
            if (end < 0)
            {
                Append(ref _line, ref _lineLength, bytes);
                return;
            }

            ReadOnlySpan<byte> line;
            if (_lineLength == 0)
            {
                line = bytes[..end];
            }
            else
            {
                Append(ref _line, ref _lineLength, bytes[..end]);
                line = _line.AsSpan(0, _lineLength);
            }

            OnSseLine(line.TrimEnd((byte)'\r'));
            _lineLength = 0;
            bytes = bytes[(end + 1)..];
        }
    }

    private void OnSseLine(ReadOnlySpan<byte> line)
    {
        if (line.IsEmpty)
        {
            if (_hasData)
            {
                sink.OnEvent(_eventName ?? DefaultEvent, _data.AsSpan(0, _dataLength), _id);
            }

            // The id stays (it is the stream's last event id); the name and data are per event.
            _eventName = null;
            _dataLength = 0;
            _hasData = false;
            return;
        }

        if (line[0] == (byte)':')
        {
            sink.OnComment();
            return;
        }

        var colon = line.IndexOf((byte)':');
        var field = colon < 0 ? line : line[..colon];
        var value = colon < 0 ? [] : line[(colon + 1)..];
        if (!value.IsEmpty && value[0] == (byte)' ')
        {
            value = value[1..];
        }

        if (field.SequenceEqual("data"u8))
        {
            if (_hasData)
            {
                Append(ref _data, ref _dataLength, "\n"u8);
            }

            Append(ref _data, ref _dataLength, value);
            _hasData = true;
        }
        else if (field.SequenceEqual("event"u8))
        {
            _eventName = value.SequenceEqual("results"u8) ? ResultsEvent : value.ToArray();
        }
        else if (field.SequenceEqual("id"u8))
        {
            _id = System.Text.Encoding.UTF8.GetString(value);
        }

        // "retry" and unknown fields: ignored, as EventSource does (retry only matters to a reconnecting client).
    }

    private static readonly byte[] ResultsEvent = "results"u8.ToArray();

    private static void Append(ref byte[] buffer, ref int length, ReadOnlySpan<byte> bytes)
    {
        if (length + bytes.Length > buffer.Length)
        {
            Array.Resize(ref buffer, Math.Max(buffer.Length * 2, length + bytes.Length));
        }

        bytes.CopyTo(buffer.AsSpan(length));
        length += bytes.Length;
    }
}
