using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using LiveVote.Server.Telemetry;
using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Server.Tests.Telemetry;

/// <summary>What the writers record (commits, their duration and size, store errors) carries the store partition.</summary>
public sealed class PartitionTagTests
{
    [Fact]
    public void StoreError_CountsUnderItsPartition_AndTheOldCallUnderPartition0()
    {
        using var errors = new MetricRecorder("livevote.store.errors");

        LiveVoteTelemetry.StoreError(partition: 7);
        LiveVoteTelemetry.StoreError(partition: 7);
        LiveVoteTelemetry.StoreError();

        // The meter is process-wide: other tests' writers may count too, so partition 0 is "at least".
        Assert.Equal(2, errors.Sum(("partition", "7")));
        Assert.True(errors.Sum(("partition", "0")) >= 1);
    }

    /// <summary>One cluster stuck while another commits must show: each started partition reports its own age.</summary>
    [Fact]
    public void LastCommitAge_IsReportedForEveryStartedPartition_AndACommitResetsOnlyItsOwn()
    {
        var ages = new ConcurrentDictionary<string, double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == LiveVoteTelemetry.Name && instrument.Name == "livevote.batch.last_commit.age")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) => ages[PartitionOf(tags) ?? "none"] = value);
        listener.Start();

        LiveVoteTelemetry.PartitionsStarted(4);
        Thread.Sleep(50);
        LiveVoteTelemetry.BatchCommitted(1, TimeSpan.FromMilliseconds(1), partition: 2);
        listener.RecordObservableInstruments();

        Assert.Contains("0", ages.Keys);
        Assert.Contains("3", ages.Keys);
        Assert.True(ages["2"] < ages["3"], $"partition 2 committed just now ({ages["2"]} s), 3 not since it started ({ages["3"]} s)");
    }

    [Fact]
    public void BatchCommitted_TagsTheCommitDurationAndBatchSizeWithItsPartition()
    {
        var seen = new ConcurrentQueue<(string Instrument, double Value, string? Partition)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == LiveVoteTelemetry.Name && instrument.Name is "livevote.batch.commit.duration" or "livevote.batch.size")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => seen.Enqueue((instrument.Name, value, PartitionOf(tags))));
        listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => seen.Enqueue((instrument.Name, value, PartitionOf(tags))));
        listener.Start();

        LiveVoteTelemetry.BatchCommitted(913, TimeSpan.FromMilliseconds(3), partition: 5);
        LiveVoteTelemetry.BatchCommitted(917, TimeSpan.FromMilliseconds(4));

        Assert.Contains(("livevote.batch.size", 913, "5"), seen);
        Assert.Contains(("livevote.batch.commit.duration", 0.003, "5"), seen);
        Assert.Contains(("livevote.batch.size", 917, "0"), seen);
        Assert.Contains(("livevote.batch.commit.duration", 0.004, "0"), seen);
    }

    [Fact]
    public void PartitionTag_IsTheIndexAsText_OnlyForIndexesAFleetCanHave()
    {
        Assert.Equal(new KeyValuePair<string, object?>("partition", "12"), LiveVoteTelemetry.PartitionTag(12));
        Assert.Throws<ArgumentOutOfRangeException>(() => LiveVoteTelemetry.PartitionTag(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => LiveVoteTelemetry.PartitionTag(LiveVote.Server.Votes.VoterPartitioner.MaxPartitions));
    }

    private static string? PartitionOf(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == "partition")
            {
                return tag.Value as string;
            }
        }

        return null;
    }
}
