using System.Text.Json;
using LiveVote.Contracts;

namespace LiveVote.Server.Tests.Infrastructure;

/// <summary>Reads <c>text/event-stream</c> line by line: fields of an event until a blank line, comments skipped.</summary>
public sealed class SseReader(Stream stream) : IDisposable
{
    private readonly StreamReader _reader = new(stream);

    public int? RetryMs { get; private set; }

    public async Task<ResultsDto> NextResultsWhereAsync(Func<ResultsDto, bool> done, TimeSpan deadline)
    {
        using var timeout = new CancellationTokenSource(deadline);
        while (true)
        {
            var results = await NextResultsAsync(timeout.Token);
            if (done(results))
            {
                return results;
            }
        }
    }

    public async Task<ResultsDto> NextResultsAsync(TimeSpan deadline)
    {
        using var timeout = new CancellationTokenSource(deadline);
        return await NextResultsAsync(timeout.Token);
    }

    public void Dispose() => _reader.Dispose();

    private async Task<ResultsDto> NextResultsAsync(CancellationToken cancellationToken)
    {
        string? eventName = null;
        var data = new List<string>();
        while (true)
        {
            var line = await _reader.ReadLineAsync(cancellationToken) ?? throw new EndOfStreamException("The server closed the event stream.");
            if (line.Length == 0)
            {
                if (eventName == "results" && data.Count > 0)
                {
                    return JsonSerializer.Deserialize(string.Join('\n', data), ContractsJsonContext.Default.ResultsDto)!;
                }

                (eventName, data) = (null, []);
            }
            else if (line.StartsWith(':'))
            {
                continue;
            }
            else if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                eventName = line["event: ".Length..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data.Add(line["data: ".Length..]);
            }
            else if (line.StartsWith("retry: ", StringComparison.Ordinal))
            {
                RetryMs = int.Parse(line["retry: ".Length..], System.Globalization.CultureInfo.InvariantCulture);
            }
        }
    }
}
