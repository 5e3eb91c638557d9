using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using LiveVote.Server.Hosting;
using LiveVote.Server.Polls;
using LiveVote.Server.Results;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;

namespace LiveVote.Server.Tests.Results;

/// <summary>
/// <see cref="ResultsStream"/> on its own, over a pipe the test plays the client of: the test publishes by setting the
/// poll's snapshot and delivers where a group's work item would, and a held flush is a client that stopped reading, so
/// every step is synchronous and nothing waits on a clock. (The stream over HTTP: <see cref="ResultsStreamTests"/>.)
/// </summary>
public sealed class ResultsStreamDeliveryTests
{
    private const string Retry = "retry: 1000\n\n";
    private const string KeepAlive = ": keep-alive\n\n";
    private static readonly DateTimeOffset T0 = new(2026, 12, 6, 5, 0, 0, TimeSpan.Zero);
    private static readonly Poll Open =
        new Poll("p-1", "Who?", [new PollOption("a", "A"), new PollOption("b", "B")], PollStatus.Draft, T0, null, null).MoveTo(PollStatus.Open, T0);

    private readonly ResultsHub.PollResults _poll = new();
    private readonly ClientPipe _client = new();
    private readonly Place _place = new();
    private readonly CancellationTokenSource _aborted = new();
    private readonly Dictionary<long, ResultsSnapshot> _published = [];

    [Fact]
    public void Run_WritesTheRetryHintAndTheCurrentSnapshot_ThenOnlyNewerSnapshots()
    {
        var first = Publish(1);
        var stream = Stream();

        stream.Run(CancellationToken.None);
        stream.Deliver(keepAlive: false);
        var second = Publish(2);
        stream.Deliver(keepAlive: false);
        stream.Deliver(keepAlive: false);

        Assert.Equal(new[] { Retry, Frame(first), Frame(second) }, _client.Frames);
    }

    [Fact]
    public void Deliver_WhileAWriteWaitsForTheClient_SkipsToTheNewestSnapshotOnceTheClientReads()
    {
        Publish(1);
        var stream = Stream();
        stream.Run(CancellationToken.None);

        _client.HoldNextFlush = true;
        var second = Publish(2);
        stream.Deliver(keepAlive: false);
        Publish(3);
        stream.Deliver(keepAlive: false);
        var fourth = Publish(4);
        stream.Deliver(keepAlive: false);
        Assert.Equal(Frame(second), _client.Frames[^1]);

        _client.Read();

        Assert.Equal(new[] { Retry, Frame(Published(1)), Frame(second), Frame(fourth) }, _client.Frames);
    }

    [Fact]
    public void Deliver_KeepAlive_WritesTheCommentWhenNothingIsNew_AndTheNewSnapshotInsteadOfIt()
    {
        Publish(1);
        var stream = Stream();
        stream.Run(CancellationToken.None);

        stream.Deliver(keepAlive: true);
        var second = Publish(2);
        stream.Deliver(keepAlive: true);

        Assert.Equal(new[] { Retry, Frame(Published(1)), KeepAlive, Frame(second) }, _client.Frames);
    }

    [Fact]
    public async Task End_ClientGone_LeavesThePollAndGivesBackItsPlace_AndEndsTheRequest()
    {
        Publish(1);
        var stream = Stream();
        var request = stream.Run(CancellationToken.None);
        Assert.Equal(1, _poll.SubscriberCount);
        Assert.False(request.IsCompleted);

        await _aborted.CancelAsync();
        Publish(2);
        stream.Deliver(keepAlive: true);

        AssertEnded(request);
        Assert.Equal(new[] { Retry, Frame(Published(1)) }, _client.Frames);
    }

    [Fact]
    public async Task End_WhileAWriteWaitsForTheClient_EndsTheRequestOnlyOnceThatWriteIsOver()
    {
        Publish(1);
        var stream = Stream();
        var request = stream.Run(CancellationToken.None);
        _client.HoldNextFlush = true;
        Publish(2);
        stream.Deliver(keepAlive: false);

        await _aborted.CancelAsync();
        Assert.True(_place.Disposed);
        Assert.False(request.IsCompleted);

        _client.Read();

        Assert.True(request.IsCompletedSuccessfully);
    }

    [Fact]
    public void Deliver_AWriteThatFindsTheConnectionCompleted_EndsTheStream()
    {
        Publish(1);
        var stream = Stream();
        var request = stream.Run(CancellationToken.None);

        _client.Gone = true;
        Publish(2);
        stream.Deliver(keepAlive: false);

        AssertEnded(request);
    }

    [Fact]
    public void Run_ServerAlreadyStopping_EndsAtOnce()
    {
        Publish(1);

        var request = Stream().Run(new CancellationToken(canceled: true));

        AssertEnded(request);
    }

    [Fact]
    public void StreamSet_EndAll_EndsEveryStream_AcrossGroups_AndLeavesNoneBehind()
    {
        Publish(1);
        var count = StreamSet.GroupSize + 3;
        var requests = new List<Task>();
        var places = new List<Place>();
        for (var i = 0; i < count; i++)
        {
            var place = new Place();
            places.Add(place);
            requests.Add(new ResultsStream(_poll, new ClientPipe(), place, CancellationToken.None).Run(CancellationToken.None));
        }

        Assert.Equal(count, _poll.SubscriberCount);

        _poll.Streams.EndAll();

        Assert.All(requests, request => Assert.True(request.IsCompletedSuccessfully));
        Assert.All(places, place => Assert.True(place.Disposed));
        Assert.Equal(0, _poll.SubscriberCount);
    }

    [Fact]
    public async Task StreamSet_AStreamThatLeaves_IsReplacedInItsGroup_AndTheOthersStillGetEachPublication()
    {
        Publish(1);
        var pipes = new List<ClientPipe>();
        var aborts = new List<CancellationTokenSource>();
        for (var i = 0; i < 3; i++)
        {
            var pipe = new ClientPipe();
            var abort = new CancellationTokenSource();
            pipes.Add(pipe);
            aborts.Add(abort);
            _ = new ResultsStream(_poll, pipe, new Place(), abort.Token).Run(CancellationToken.None);
        }

        await aborts[0].CancelAsync();
        var second = Publish(2);
        _poll.Streams.Deliver(keepAlive: false);
        await Condition.WaitAsync(() => pipes[1].Frames.Count == 3 && pipes[2].Frames.Count == 3);

        Assert.Equal(2, _poll.SubscriberCount);
        Assert.Equal(2, pipes[0].Frames.Count);
        Assert.Equal(Frame(second), pipes[1].Frames[^1]);
        Assert.Equal(Frame(second), pipes[2].Frames[^1]);
    }

    [Fact]
    public async Task StreamSet_APublicationWhileEarlierGroupsAreBeingWritten_ReachesEveryGroup_WithTheNewestSnapshot()
    {
        Publish(1);
        var pipes = new List<ClientPipe>();
        for (var i = 0; i < (2 * StreamSet.GroupSize) + 1; i++)
        {
            var pipe = new ClientPipe();
            pipes.Add(pipe);
            _ = new ResultsStream(_poll, pipe, new Place(), CancellationToken.None).Run(CancellationToken.None);
        }

        // The third snapshot is published, and delivered, from inside the second one's turn: the set's work item is
        // scheduled then, so that delivery is left to the turns to come, which must not stop before it is done.
        ResultsSnapshot? third = null;
        pipes[0].OnFlush = () =>
        {
            pipes[0].OnFlush = null;
            third = Publish(3);
            _poll.Streams.Deliver(keepAlive: false);
        };
        Publish(2);
        _poll.Streams.Deliver(keepAlive: false);

        await Condition.WaitAsync(() => third is not null && pipes.TrueForAll(pipe => pipe.LastFrame == Frame(third)));
        Assert.All(pipes, pipe => Assert.Single(pipe.Frames, frame => frame == Frame(third!)));
    }

    [Fact]
    public void HandedOff_WritesEachFrameAsAnHttpChunk_AndTheLastChunkWhenTheServerEndsIt()
    {
        var first = Publish(1);
        var stream = new ResultsStream(_poll, new Connection(_client, _aborted.Token), _place, CancellationToken.None);

        var request = ((IConnectionTaker)stream).RunAsync();
        var second = Publish(2);
        stream.Deliver(keepAlive: false);
        stream.Deliver(keepAlive: true);
        stream.End(null);

        Assert.Equal(new[] { Chunk(Retry), Chunk(Frame(first)), Chunk(Frame(second)), Chunk(KeepAlive), "0\r\n\r\n" }, _client.Frames);
        AssertEnded(request);
    }

    [Fact]
    public void HandedOff_AClientThatLeft_GetsNoLastChunk()
    {
        Publish(1);
        var stream = new ResultsStream(_poll, new Connection(_client, _aborted.Token), _place, CancellationToken.None);
        var request = ((IConnectionTaker)stream).RunAsync();

        _aborted.Cancel();

        Assert.Equal(2, _client.Frames.Count);
        AssertEnded(request);
    }

    [Fact]
    public void HandedOff_AWriteThatWaitsThroughTwoKeepAliveTicks_CutsTheConnection_OneThatCompletesBetweenThemDoesNot()
    {
        Publish(1);
        var connection = new Connection(_client, _aborted.Token);
        var stream = new ResultsStream(_poll, connection, _place, CancellationToken.None);
        ((IConnectionTaker)stream).RunAsync();

        _client.HoldNextFlush = true;
        Publish(2);
        stream.Deliver(keepAlive: false);
        stream.Deliver(keepAlive: true);
        _client.Read();
        _client.HoldNextFlush = true;
        stream.Deliver(keepAlive: true);
        stream.Deliver(keepAlive: true);
        Assert.Equal(0, connection.Aborts);

        stream.Deliver(keepAlive: true);

        Assert.Equal(1, connection.Aborts);
    }

    private static string Chunk(string frame) => $"{Encoding.UTF8.GetByteCount(frame):x}\r\n{frame}\r\n";

    private ResultsStream Stream() => new(_poll, _client, _place, _aborted.Token);

    private ResultsSnapshot Publish(long version)
    {
        var snapshot = ResultsSnapshot.Create(Open, [version, 0], version, T0.AddSeconds(version));
        _published[version] = snapshot;
        _poll.Published = snapshot;
        return snapshot;
    }

    private ResultsSnapshot Published(long version) => _published[version];

    private static string Frame(ResultsSnapshot snapshot) => Encoding.UTF8.GetString(snapshot.SseFrame.Span);

    /// <summary>The response body as the client sees it: one entry per flush. A held flush is a client not reading.</summary>

    /// <summary>The request finished cleanly, the stream left its poll and gave its limiter place back.</summary>
    private void AssertEnded(Task request)
    {
        Assert.True(request.IsCompletedSuccessfully);
        Assert.Equal(0, _poll.SubscriberCount);
        Assert.True(_place.Disposed);
    }

    private sealed class ClientPipe : PipeWriter
    {
        private readonly ArrayBufferWriter<byte> _pending = new();
        private TaskCompletionSource<FlushResult>? _held;

        public List<string> Frames { get; } = [];

        public bool HoldNextFlush { get; set; }

        public bool Gone { get; set; }

        /// <summary>Runs inside the next flush (a delivery under way).</summary>
        public Action? OnFlush { get; set; }

        public string? LastFrame
        {
            get
            {
                lock (Frames)
                {
                    return Frames.Count == 0 ? null : Frames[^1];
                }
            }
        }

        public void Read() => _held!.SetResult(new FlushResult(isCanceled: false, isCompleted: Gone));

        public override void Advance(int bytes) => _pending.Advance(bytes);

        public override Memory<byte> GetMemory(int sizeHint = 0) => _pending.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => _pending.GetSpan(sizeHint);

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            lock (Frames)
            {
                Frames.Add(Encoding.UTF8.GetString(_pending.WrittenSpan));
            }

            _pending.ResetWrittenCount();
            OnFlush?.Invoke();
            if (HoldNextFlush)
            {
                HoldNextFlush = false;
                _held = new TaskCompletionSource<FlushResult>();
                return new ValueTask<FlushResult>(_held.Task);
            }

            return ValueTask.FromResult(new FlushResult(isCanceled: false, isCompleted: Gone));
        }

        public override void CancelPendingFlush()
        {
        }

        public override void Complete(Exception? exception = null)
        {
        }
    }

    /// <summary>A handed-off connection whose output is the test's client pipe; counts its aborts.</summary>
    private sealed class Connection(PipeWriter output, CancellationToken closed) : ConnectionContext, IDuplexPipe
    {
        public int Aborts { get; private set; }

        public override string ConnectionId { get; set; } = "c1";

        public override IFeatureCollection Features { get; } = new FeatureCollection();

        public override IDictionary<object, object?> Items { get; set; } = new Dictionary<object, object?>();

        public override IDuplexPipe Transport { get => this; set => throw new NotSupportedException(); }

        public override CancellationToken ConnectionClosed { get => closed; set => throw new NotSupportedException(); }

        public PipeReader Input => throw new NotSupportedException("A results stream does not read.");

        public PipeWriter Output => output;

        public override void Abort(ConnectionAbortedException abortReason) => Aborts++;
    }

    private sealed class Place : IDisposable
    {
        public bool Disposed { get; private set; }

        public void Dispose() => Disposed = true;
    }
}
