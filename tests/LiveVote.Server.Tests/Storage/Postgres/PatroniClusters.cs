namespace LiveVote.Server.Tests.Storage.Postgres;

/// <summary>
/// The tests that boot a Patroni cluster (three etcd, three PostgreSQL under Patroni, HAProxy) run one at a time,
/// never beside other tests: two such clusters under vote load on 2 cores would starve each other's Patroni of CPU
/// and turn a lease renewal into a spurious failover.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PatroniClusters
{
    public const string Name = "Patroni clusters";
}
