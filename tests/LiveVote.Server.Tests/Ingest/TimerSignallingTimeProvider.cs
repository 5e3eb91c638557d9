using Microsoft.Extensions.Time.Testing;

namespace LiveVote.Server.Tests.Ingest;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that says when code starts waiting on it (a timer is created): a test can then
/// act while the code under test is known to be waiting, and release it by advancing the time, with no real delay.
/// </summary>
internal sealed class TimerSignallingTimeProvider : FakeTimeProvider
{
    private TaskCompletionSource _timerCreated = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TimerSignallingTimeProvider()
        : base(DateTimeOffset.FromUnixTimeMilliseconds(1_790_000_000_000))
    {
    }

    /// <summary>Completes at the next timer created after the last <see cref="ExpectTimer"/>.</summary>
    public Task TimerCreated => Volatile.Read(ref _timerCreated).Task;

    public void ExpectTimer() => Volatile.Write(ref _timerCreated, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        Volatile.Read(ref _timerCreated).TrySetResult();
        return timer;
    }
}
