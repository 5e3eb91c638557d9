using System.Text.Json;
using LiveVote.Contracts;

namespace LiveVote.Cli.Loadgen;

/// <summary>
/// Subscribes to the results stream (SSE) and measures vote-acknowledged-to-visible latency: each results event's
/// total tells which acknowledgments it includes (see <see cref="VoteBook.ObserveTotal"/>). Reconnects if dropped.
/// </summary>
internal sealed class VisibilityWatcher(HttpClient client, string pollId, VoteBook book, LatencyRecorder visible, TimeProvider time)
{
    public long Events { get; private set; }

    public long LastTotal { get; private set; }

    public long Reconnects { get; private set; }

    public async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await ReadStreamAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or IOException)
            {
                // Dropped: subscribe again, as the browser's EventSource would.
            }

            Reconnects++;
            await Task.Delay(TimeSpan.FromMilliseconds(100), time, stop).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        }
    }

    private async Task ReadStreamAsync(CancellationToken stop)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/polls/{pollId}/results/stream");
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stop).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(stop).ConfigureAwait(false));
        var eventName = "message";
        while (await reader.ReadLineAsync(stop).ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0)
            {
                eventName = "message";
            }
            else if (line.StartsWith("event:", StringComparison.Ordinal))
            {
                eventName = line[6..].Trim();
            }
            else if (line.StartsWith("data:", StringComparison.Ordinal) && eventName == "results")
            {
                var arrived = time.GetTimestamp();
                var results = JsonSerializer.Deserialize(line[5..].Trim(), ContractsJsonContext.Default.ResultsDto);
                if (results is not null)
                {
                    Observe(results.Total, arrived);
                }
            }
        }
    }

    private void Observe(long total, long arrived)
    {
        Events++;
        LastTotal = total;
        foreach (var acknowledgedAt in book.ObserveTotal(total))
        {
            visible.Record(time.GetElapsedTime(acknowledgedAt, arrived));
        }
    }
}
