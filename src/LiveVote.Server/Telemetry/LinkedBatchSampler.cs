using System.Diagnostics;
using OpenTelemetry.Trace;

namespace LiveVote.Server.Telemetry;

/// <summary>
/// Parent-based ratio sampling, with one addition: a root span linked to a recorded span (the batch commit answering a
/// sampled vote) is recorded too, so a sampled vote's trace always leads to the commit that made it durable.
/// </summary>
internal sealed class LinkedBatchSampler(double ratio) : Sampler
{
    private readonly Sampler _inner = new ParentBasedSampler(new TraceIdRatioBasedSampler(ratio));

    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters)
    {
        if (samplingParameters.ParentContext.TraceId == default && samplingParameters.Links is { } links)
        {
            foreach (var link in links)
            {
                if ((link.Context.TraceFlags & ActivityTraceFlags.Recorded) != 0)
                {
                    return new SamplingResult(SamplingDecision.RecordAndSample);
                }
            }
        }

        return _inner.ShouldSample(samplingParameters);
    }
}
