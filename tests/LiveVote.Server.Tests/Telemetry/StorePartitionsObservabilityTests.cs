using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using LiveVote.Contracts;
using LiveVote.Server.Hosting;
using LiveVote.Server.Ingest;
using LiveVote.Server.Storage;
using LiveVote.Server.Storage.Postgres;
using LiveVote.Server.Telemetry;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace LiveVote.Server.Tests.Telemetry;

/// <summary>
/// A node wired with two store partitions, as the scale-out registers them: one <see cref="ClusterStateMonitor"/>,
/// one queue and one readiness probe per partition. The store here is SQLite (partition 0's writer and ping); both
/// monitors read a port nobody listens on, so each soon reports "no-primary", and partition 1's ping answers as the
/// test says. Readiness, /metrics and the console's stats must show each partition on its own.
/// </summary>
public sealed partial class StorePartitionsObservabilityTests : IAsyncLifetime
{
    private const int Partition0Capacity = 1234;
    private const int Partition1Capacity = 222;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private readonly List<NpgsqlDataSource> _dataSources = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var dataSource in _dataSources)
        {
            await dataSource.DisposeAsync();
        }
    }

    [Fact]
    public async Task Readiness_OnePartitionDown_StaysReady_AndTheDetailNamesThatPartition()
    {
        await using var server = TwoPartitionServer(partition1Answers: false);

        var (status, health) = await ReadinessWhenBothReadAsync(server.Client());

        // Every node shares the partition that is down: taking them all out would refuse the other partition's voters.
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("ready", health.Status);
        Assert.Equal("partition 1: no writable primary: failover in progress or database down (unreachable)", health.Detail);
        Assert.Equal([0, 1], health.Partitions!.Select(p => p.Partition));
        Assert.Equal(0, health.Store!.Partition);
        Assert.Equal("no-primary", health.Store.Status);
    }

    [Fact]
    public async Task Readiness_EveryPartitionAnswers_IsReady_AndTheDetailGivesEachPartition()
    {
        await using var server = TwoPartitionServer(partition1Answers: true);

        var (status, health) = await ReadinessWhenBothReadAsync(server.Client());

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("ready", health.Status);
        Assert.StartsWith("partition 0: store: primary answers; last read no writable primary", health.Detail, StringComparison.Ordinal);
        Assert.Contains("; partition 1: store: primary answers; last read no writable primary", health.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_TagEachStoreAndQueueGaugeWithItsPartition()
    {
        await using var server = TwoPartitionServer(partition1Answers: true);
        var client = server.Client();
        await ReadinessWhenBothReadAsync(client);

        var metrics = await client.GetStringAsync("/metrics");

        Assert.Equal(0, Sample(metrics, "livevote_store_primary_reachable", "0"));
        Assert.Equal(0, Sample(metrics, "livevote_store_primary_reachable", "1"));
        Assert.Equal(0, Sample(metrics, "livevote_store_failovers_total", "1"));
        Assert.Equal(Partition0Capacity, Sample(metrics, "livevote_queue_capacity", "0"));
        Assert.Equal(Partition1Capacity, Sample(metrics, "livevote_queue_capacity", "1"));
        Assert.Equal(0, Sample(metrics, "livevote_queue_depth", "1"));
        Assert.Null(Sample(metrics, "livevote_queue_capacity", "2"));
    }

    [Fact]
    public async Task AdminStats_ListEachPartitionsStoreStateAndQueue_AndSumTheQueues()
    {
        await using var server = TwoPartitionServer(partition1Answers: true);
        await ReadinessWhenBothReadAsync(server.Client());

        using var response = await server.AdminClient().GetAsync("/v1/admin/stats");
        var stats = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var partitions = stats.GetProperty("partitions").EnumerateArray().ToList();
        Assert.Equal([0, 1], partitions.Select(p => p.GetProperty("partition").GetInt32()));
        Assert.All(partitions, p => Assert.Equal("no-primary", p.GetProperty("status").GetString()));
        Assert.Equal(0, stats.GetProperty("store").GetProperty("partition").GetInt32());
        var queues = stats.GetProperty("queues").EnumerateArray().ToList();
        Assert.Equal([0, 1], queues.Select(q => q.GetProperty("partition").GetInt32()));
        Assert.Equal([Partition0Capacity, Partition1Capacity], queues.Select(q => q.GetProperty("capacity").GetInt32()));
        Assert.Equal(0, queues[1].GetProperty("depth").GetInt32());
        Assert.Equal(Partition0Capacity + Partition1Capacity, stats.GetProperty("queueCapacity").GetInt64());
    }

    /// <summary>
    /// The registrations a node with two partitions makes for observability, added to a SQLite server: partition 0 is
    /// the server's own queue, writer and store; partition 1 a queue nobody feeds and a ping that answers as told.
    /// </summary>
    private LiveVoteServer TwoPartitionServer(bool partition1Answers)
    {
        var monitors = Enumerable.Range(0, 2)
            .Select(partition => new ClusterStateMonitor(UnreachableDataSource(), TimeProvider.System, NullLogger<ClusterStateMonitor>.Instance, partition))
            .ToList();
        var secondQueue = new IngestQueue(Options.Create(new IngestOptions { QueueCapacity = Partition1Capacity }));
        return new LiveVoteServer(
            new Dictionary<string, string?> { ["LiveVote:Ingest:QueueCapacity"] = Partition0Capacity.ToString(CultureInfo.InvariantCulture) },
            services =>
            {
                // Registered in reverse order: consumers must order the monitors by partition, not by registration.
                foreach (var monitor in Enumerable.Reverse(monitors))
                {
                    services.AddSingleton(monitor);
                    services.AddSingleton<IHostedService>(monitor);
                }

                services.AddSingleton(sp => new IngestQueueDepths([sp.GetRequiredService<IngestQueue>(), secondQueue]));
                services.AddSingleton(sp =>
                {
                    var writer = sp.GetRequiredService<BatchWriter>();
                    var store = sp.GetRequiredService<IVoteStore>();
                    return new StoreProbes(
                    [
                        new StoreProbe(() => writer.IsRunning, store.PingAsync),
                        new StoreProbe(() => true, _ => Task.FromResult(partition1Answers)),
                    ]);
                });
            });
    }

    /// <summary>A data source for a loopback port nobody listens on: every reading fails at once (connection refused).</summary>
    private NpgsqlDataSource UnreachableDataSource()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var dataSource = NpgsqlDataSource.Create($"Host=127.0.0.1;Port={port};Username=nobody;Timeout=5;Pooling=false");
        _dataSources.Add(dataSource);
        return dataSource;
    }

    /// <summary>/readyz once both monitors have read their (unreachable) cluster at least once.</summary>
    private static async Task<(HttpStatusCode Status, HealthDto Health)> ReadinessWhenBothReadAsync(HttpClient client)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            using var response = await client.GetAsync(HealthEndpoints.ReadyPath);
            var health = JsonSerializer.Deserialize(await response.Content.ReadAsStringAsync(), ContractsJsonContext.Default.HealthDto)!;
            if (health.Partitions is { Count: 2 } partitions && partitions.All(p => p.Status == "no-primary"))
            {
                return (response.StatusCode, health);
            }

            Assert.True(DateTime.UtcNow < deadline, $"The monitors did not read within {Deadline}: {health}");
            await Task.Delay(200);
        }
    }

    /// <summary>The value of <paramref name="name"/>'s sample with label partition="<paramref name="partition"/>", or null.</summary>
    private static double? Sample(string exposition, string name, string partition) =>
        SampleLine().Matches(exposition)
            .Where(m => m.Groups["name"].Value == name && m.Groups["labels"].Value.Contains($"partition=\"{partition}\"", StringComparison.Ordinal))
            .Select(m => (double?)double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture))
            .SingleOrDefault();

    [GeneratedRegex("""^(?<name>[a-z_]+)\{(?<labels>[^}]*)\} (?<value>[0-9.eE+-]+)""", RegexOptions.Multiline)]
    private static partial Regex SampleLine();
}
