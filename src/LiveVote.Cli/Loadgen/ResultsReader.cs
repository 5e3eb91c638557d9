namespace LiveVote.Cli.Loadgen;

/// <summary>
/// A results page polling <c>GET results</c> during the run, on its own connection (so it never waits behind votes
/// in the client's pool): what a viewer's app or a TV graphics system sees under full vote load.
/// </summary>
internal sealed class ResultsReader(HttpClient client, string pollId, LatencyRecorder reads, TimeProvider time)
{
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(20);

    public long Errors { get; private set; }

    public async Task RunAsync(CancellationToken stop)
    {
        var path = $"/v1/polls/{pollId}/results";
        while (!stop.IsCancellationRequested)
        {
            var sent = time.GetTimestamp();
            try
            {
                using var response = await client.GetAsync(path, stop).ConfigureAwait(false);
                _ = await response.Content.ReadAsByteArrayAsync(stop).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    reads.Record(time.GetElapsedTime(sent));
                }
                else
                {
                    Errors++;
                }

                await Task.Delay(Pause, time, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (HttpRequestException)
            {
                Errors++;
            }
        }
    }
}
