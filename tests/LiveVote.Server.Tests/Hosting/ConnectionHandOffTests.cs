using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using LiveVote.Server.Hosting;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace LiveVote.Server.Tests.Hosting;

/// <summary>
/// <see cref="ConnectionHandOff"/> without a server: a stand-in HTTP layer (<c>next</c>) on an in-memory connection hands
/// it off; the taker runs after the layer returns, on the connection's own pipes, and nothing the layer registered on the
/// connection (its heartbeat) outlives it. End to end through Kestrel: ResultsStreamHandOffTests.
/// </summary>
public sealed class ConnectionHandOffTests
{
    private readonly Pipe _fromClient = new();
    private readonly Pipe _toClient = new();
    private readonly Heartbeats _heartbeats = new();
    private readonly DefaultConnectionContext _connection;

    public ConnectionHandOffTests()
    {
        _connection = new DefaultConnectionContext("c1", new Duplex(_fromClient.Reader, _toClient.Writer), new Duplex(_toClient.Reader, _fromClient.Writer));
        _connection.Features.Set<IConnectionHeartbeatFeature>(_heartbeats);
    }

    [Fact]
    public async Task ServeAsync_RunsTheTakerOnceTheLayerLetGo_OnTheRealPipes_AndTheLayersHeartbeatNoLongerRuns()
    {
        var layerBeats = 0;
        var layerDone = false;
        var taker = new Taker(() =>
        {
            Assert.True(layerDone);
            return WriteAsync(_toClient.Writer, "taker");
        });

        await ConnectionHandOff.ServeAsync(_connection, async context =>
        {
            context.Features.Get<IConnectionHeartbeatFeature>()!.OnHeartbeat(_ => layerBeats++, this);
            _heartbeats.Beat();
            await WriteAsync(context.Transport.Output, "head|");
            var handOff = context.Features.Get<IConnectionHandOffFeature>()!;
            Assert.Same(_connection, handOff.Connection);
            handOff.HandOff(taker);

            // What Kestrel does after the handler returned: the last chunk, a read for the next request, an abort or a
            // completion when it gives up the connection. None of it reaches the connection.
            await WriteAsync(context.Transport.Output, "0\r\n\r\n");
            Assert.True((await context.Transport.Input.ReadAsync()).IsCompleted);
            context.Abort();
            await context.Transport.Input.CompleteAsync();
            await context.Transport.Output.CompleteAsync();
            layerDone = true;
        });
        _heartbeats.Beat();

        Assert.True(taker.Ran);
        Assert.Equal(1, layerBeats);
        Assert.False(_connection.ConnectionClosed.IsCancellationRequested);
        Assert.True(_toClient.Reader.TryRead(out var sent));
        Assert.Equal("head|taker", Encoding.ASCII.GetString(sent.Buffer.ToArray()));
        Assert.False(sent.IsCompleted);
    }

    [Fact]
    public async Task ServeAsync_WithoutAHandOff_IsTheLayerAlone_ItsAbortAndCompletionReachTheConnection()
    {
        await ConnectionHandOff.ServeAsync(_connection, async context =>
        {
            await WriteAsync(context.Transport.Output, "answer");
            context.Abort();
            await context.Transport.Output.CompleteAsync();
        });

        var sent = await _toClient.Reader.ReadAsync();
        Assert.Equal("answer", Encoding.ASCII.GetString(sent.Buffer.ToArray()));
        Assert.True(sent.IsCompleted);
        await Condition.WaitAsync(() => _connection.ConnectionClosed.IsCancellationRequested);
    }

    [Fact]
    public async Task ServeAsync_ALayerThatFailsAfterTheHandOff_StillRunsTheTaker_ThenFails()
    {
        var taker = new Taker(() => Task.CompletedTask);

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => ConnectionHandOff.ServeAsync(_connection, context =>
        {
            context.Features.Get<IConnectionHandOffFeature>()!.HandOff(taker);
            throw new InvalidOperationException("layer failed");
        }));

        Assert.Equal("layer failed", failure.Message);
        Assert.True(taker.Ran);
    }

    [Theory]
    [InlineData("HTTP/1.1", false, false, true)]
    [InlineData("HTTP/1.0", false, false, false)]
    [InlineData("HTTP/2", false, false, false)]
    [InlineData("HTTP/1.1", true, false, false)]
    [InlineData("HTTP/1.1", false, true, false)]
    public async Task CanHandOff_OnlyAnHttp11RequestWithoutBody_SpokenOnThisConnectionsOwnPipes(string protocol, bool body, bool tls, bool expected)
    {
        bool? answer = null;
        await ConnectionHandOff.ServeAsync(_connection, context =>
        {
            if (tls)
            {
                // What a TLS layer after this one does: the HTTP layer then speaks on the TLS pipes.
                context.Transport = new Duplex(_fromClient.Reader, _toClient.Writer);
            }

            answer = context.Features.Get<IConnectionHandOffFeature>()!.CanHandOff(Request(protocol, body));
            return Task.CompletedTask;
        });

        Assert.Equal(expected, answer);
    }

    [Fact]
    public async Task CanHandOff_IsFalseOnceHandedOff_AndASecondHandOffThrows()
    {
        await ConnectionHandOff.ServeAsync(_connection, context =>
        {
            var handOff = context.Features.Get<IConnectionHandOffFeature>()!;
            handOff.HandOff(new Taker(() => Task.CompletedTask));

            Assert.False(handOff.CanHandOff(Request("HTTP/1.1", body: false)));
            Assert.Throws<InvalidOperationException>(() => handOff.HandOff(new Taker(() => Task.CompletedTask)));
            return Task.CompletedTask;
        });
    }

    private static DefaultHttpContext Request(string protocol, bool body)
    {
        var context = new DefaultHttpContext();
        context.Request.Protocol = protocol;
        context.Features.Set<IHttpRequestBodyDetectionFeature>(new BodyDetection(body));
        return context;
    }

    private static async Task WriteAsync(PipeWriter writer, string text) => await writer.WriteAsync(Encoding.ASCII.GetBytes(text));

    private sealed class Duplex(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }

    private sealed class Taker(Func<Task> run) : IConnectionTaker
    {
        public bool Ran { get; private set; }

        public Task RunAsync()
        {
            Ran = true;
            return run();
        }
    }

    /// <summary>The connection's heartbeat, as Kestrel's: callbacks registered for the connection's life.</summary>
    private sealed class Heartbeats : IConnectionHeartbeatFeature
    {
        private readonly List<(Action<object> Action, object State)> _callbacks = [];

        public void OnHeartbeat(Action<object> action, object state) => _callbacks.Add((action, state));

        public void Beat()
        {
            foreach (var (action, state) in _callbacks)
            {
                action(state);
            }
        }
    }

    private sealed class BodyDetection(bool canHaveBody) : IHttpRequestBodyDetectionFeature
    {
        public bool CanHaveBody { get; } = canHaveBody;
    }
}
