namespace LiveVote.Server.Tests.Infrastructure;

/// <summary>Waits for what another thread does (a delivery on the thread pool, a connection closing); no timing is asserted.</summary>
public static class Condition
{
    /// <summary>Polls <paramref name="condition"/> every 10 ms; a TaskCanceledException after 30 s says it never held.</summary>
    public static async Task WaitAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            await Task.Delay(10, timeout.Token);
        }
    }
}
