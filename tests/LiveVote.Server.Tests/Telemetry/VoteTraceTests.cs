using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;
using OpenTelemetry.Trace;

namespace LiveVote.Server.Tests.Telemetry;

/// <summary>A vote's trace, exported in memory: request span -> validate and enqueue spans -> the batch commit linked to it.</summary>
public sealed class VoteTraceTests
{
    [Fact]
    public async Task Vote_TraceLeadsFromRequestThroughEnqueueToLinkedBatchCommit()
    {
        var spans = new SynchronizedSpans();
        await using var server = new LiveVoteServer(
            new Dictionary<string, string?> { ["LiveVote:Telemetry:TracingEnabled"] = "true", ["LiveVote:Telemetry:SamplingRatio"] = "1" },
            services => services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(spans)));
        var admin = server.AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin);
        var viewer = await Api.RegisterAsync(admin);

        // The caller's W3C traceparent: the server's request span must continue this trace.
        var traceId = ActivityTraceId.CreateRandom();
        var callerSpan = ActivitySpanId.CreateRandom();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/polls/{poll.Id}/votes")
        {
            Content = JsonContent.Create(new CastVoteRequest("a"), ContractsJsonContext.Default.CastVoteRequest),
        };
        request.Headers.Authorization = new("Bearer", viewer.Token);
        request.Headers.Add("traceparent", $"00-{traceId}-{callerSpan}-01");
        using var response = await server.Client().SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);

        // Spans are exported as they end; the request span ends just after the answer is written.
        Activity? requestSpan = null, enqueue = null, validate = null, batch = null;
        var complete = await PrometheusServer.EventuallyAsync(() =>
        {
            var mine = spans.Snapshot();
            requestSpan = mine.SingleOrDefault(s => s.TraceId == traceId && s.Kind == ActivityKind.Server);
            enqueue = mine.SingleOrDefault(s => s.TraceId == traceId && s.OperationName == "livevote.vote.enqueue");
            validate = mine.SingleOrDefault(s => s.TraceId == traceId && s.OperationName == "livevote.vote.validate");
            batch = enqueue is null ? null : mine.SingleOrDefault(s => s.OperationName == "livevote.batch.commit"
                && s.Links.Any(l => l.Context.TraceId == traceId && l.Context.SpanId == enqueue.SpanId));
            return Task.FromResult(requestSpan is not null && enqueue is not null && validate is not null && batch is not null);
        }, 15_000);

        Assert.True(complete, $"Spans of the vote's trace: request {requestSpan is not null}, validate {validate is not null}, "
            + $"enqueue {enqueue is not null}, linked batch {batch is not null}; all exported: "
            + string.Join(", ", spans.Snapshot().Select(s => s.OperationName)));
        Assert.Equal(callerSpan, requestSpan!.ParentSpanId);
        Assert.Equal(requestSpan.SpanId, enqueue!.ParentSpanId);
        Assert.Equal(requestSpan.SpanId, validate!.ParentSpanId);

        // The batch span is a trace of its own (it answers many requests) that links back to each vote it made durable.
        Assert.NotEqual(traceId, batch!.TraceId);
        Assert.Equal(default, batch.ParentSpanId);
        Assert.True(batch.Recorded);
        Assert.True((int)batch.GetTagItem("livevote.batch.size")! >= 1);
    }

    [Fact]
    public async Task Vote_SamplingFollowsCallersTraceparentWhenRatioIsZero()
    {
        var spans = new SynchronizedSpans();
        await using var server = new LiveVoteServer(
            new Dictionary<string, string?> { ["LiveVote:Telemetry:TracingEnabled"] = "true", ["LiveVote:Telemetry:SamplingRatio"] = "0" },
            services => services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(spans)));
        var admin = server.AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin);
        var viewers = await Api.RegisterManyAsync(admin, 2);

        var unsampled = await VoteWithTraceparentAsync(server, poll.Id, viewers[0].Token, sampled: false);
        var sampled = await VoteWithTraceparentAsync(server, poll.Id, viewers[1].Token, sampled: true);

        // The caller that sampled its trace gets the vote's spans and the linked commit, whatever the ratio ...
        Assert.True(await PrometheusServer.EventuallyAsync(() => Task.FromResult(spans.Snapshot().Any(s =>
            s.OperationName == "livevote.batch.commit" && s.Links.Any(l => l.Context.TraceId == sampled))), 15_000));
        Assert.Contains(spans.Snapshot(), s => s.TraceId == sampled && s.OperationName == "livevote.vote.enqueue");

        // ... and the one that did not, with a ratio of 0, costs no span at all.
        Assert.DoesNotContain(spans.Snapshot(), s => s.TraceId == unsampled || s.Links.Any(l => l.Context.TraceId == unsampled));
    }

    private static async Task<ActivityTraceId> VoteWithTraceparentAsync(LiveVoteServer server, string pollId, string token, bool sampled)
    {
        var traceId = ActivityTraceId.CreateRandom();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/polls/{pollId}/votes")
        {
            Content = JsonContent.Create(new CastVoteRequest("a"), ContractsJsonContext.Default.CastVoteRequest),
        };
        request.Headers.Authorization = new("Bearer", token);
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-{(sampled ? "01" : "00")}");
        using var response = await server.Client().SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return traceId;
    }

    /// <summary>The exporter adds from the threads that end spans while the test reads: a locked list.</summary>
    private sealed class SynchronizedSpans : ICollection<Activity>
    {
        private readonly List<Activity> _items = [];

        public int Count
        {
            get
            {
                lock (_items)
                {
                    return _items.Count;
                }
            }
        }

        public bool IsReadOnly => false;

        public List<Activity> Snapshot()
        {
            lock (_items)
            {
                return [.. _items];
            }
        }

        public void Add(Activity item)
        {
            lock (_items)
            {
                _items.Add(item);
            }
        }

        public void Clear()
        {
            lock (_items)
            {
                _items.Clear();
            }
        }

        public bool Contains(Activity item) => Snapshot().Contains(item);

        public void CopyTo(Activity[] array, int arrayIndex) => Snapshot().CopyTo(array, arrayIndex);

        public bool Remove(Activity item)
        {
            lock (_items)
            {
                return _items.Remove(item);
            }
        }

        public IEnumerator<Activity> GetEnumerator() => Snapshot().GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
