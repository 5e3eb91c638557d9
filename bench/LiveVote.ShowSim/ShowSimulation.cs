using LiveVote.Server.Votes;

namespace LiveVote.ShowSim;

/// <summary>
/// Discrete-event simulation of one show: votes arrive by <see cref="ShowCurve"/>, each voter belongs to the cluster
/// <see cref="VoterPartitioner"/> names for a random 128-bit key, each request reaches a random node, whose lane for
/// that cluster queues it (bounded: full = 503 at once) and group-commits it; a commit past its deadline answers its
/// votes 503 and refuses arrivals until it ends; refused clients retry the same vote after Retry-After with jitter.
/// Not modelled: the nodes' CPU (sized by the capacity model), network delay, requests other than votes. Time is
/// simulated seconds; the same settings and seed give the same report.
/// </summary>
internal sealed class ShowSimulation
{
    private readonly SimSettings _settings;
    // Two streams, so the same seed gives the same voters and arrival times whatever the fleet does with them.
    private readonly Random _arrivals;
    private readonly Random _clients;
    private readonly PriorityQueue<SimEvent, (double At, long Order)> _events = new();
    private readonly VoteBook _votes = new();
    private readonly Lane[] _lanes;
    private readonly ClusterPrimary[] _primaries;
    private readonly ClusterCounters[] _counters;
    private readonly byte[] _keyBytes = new byte[VoterKey.Size];
    private long _order;
    private double _arrivalsSoFar;

    public ShowSimulation(SimSettings settings)
    {
        settings.Validate();
        _settings = settings;
        _arrivals = new Random(settings.Seed);
        _clients = new Random(unchecked((settings.Seed * 31) + 7));
        _lanes = new Lane[settings.Nodes * settings.Clusters];
        for (var i = 0; i < _lanes.Length; i++)
        {
            _lanes[i] = new Lane(i % settings.Clusters, settings.QueueCapacity);
        }

        _primaries = new ClusterPrimary[settings.Clusters];
        _counters = new ClusterCounters[settings.Clusters];
        for (var c = 0; c < settings.Clusters; c++)
        {
            _primaries[c] = new ClusterPrimary(settings, settings.FailsOver(c));
            _counters[c] = new ClusterCounters();
        }
    }

    private enum EventKind
    {
        NewVote,
        Retry,
        CommitEnds,
        Deadline,
        Resume,
    }

    public SimReport Run()
    {
        ScheduleNextVote();
        while (_events.TryDequeue(out var next, out var key))
        {
            var now = key.At;
            switch (next.Kind)
            {
                case EventKind.NewVote:
                    var key16 = NextVoterKey();
                    var vote = _votes.Add(VoterPartitioner.PartitionOf(key16, _settings.Clusters), now);
                    _counters[_votes.ClusterOf(vote)].Votes++;
                    Send(vote, now);
                    ScheduleNextVote();
                    break;
                case EventKind.Retry:
                    Send(next.Subject, now);
                    break;
                case EventKind.CommitEnds:
                    EndCommit(next.Subject, now);
                    break;
                case EventKind.Deadline:
                    PassDeadline(_lanes[next.Subject], next.Serial, now);
                    break;
                case EventKind.Resume:
                    _lanes[next.Subject].Paused = false;
                    StartCommit(next.Subject, now);
                    break;
                default:
                    throw new InvalidOperationException($"Unknown event {next.Kind}.");
            }
        }

        return Report();
    }

    private void ScheduleNextVote()
    {
        // A Poisson process of the curve's rate: unit-rate exponential steps mapped through the inverse cumulative curve.
        _arrivalsSoFar += -Math.Log(1 - _arrivals.NextDouble());
        var at = _settings.Curve.TimeOfVote(_arrivalsSoFar);
        if (_arrivalsSoFar < _settings.Curve.TotalVotes && !double.IsInfinity(at))
        {
            Schedule(at, new SimEvent(EventKind.NewVote, 0, 0));
        }
    }

    private VoterKey NextVoterKey()
    {
        _arrivals.NextBytes(_keyBytes);
        return VoterKey.Read(_keyBytes);
    }

    private void Send(int vote, double now)
    {
        var cluster = _votes.ClusterOf(vote);
        var laneIndex = (_clients.Next(_settings.Nodes) * _settings.Clusters) + cluster;
        var lane = _lanes[laneIndex];
        _counters[cluster].Attempts++;
        if (lane.Stalled || lane.IsFull)
        {
            Refuse(vote, now);
            return;
        }

        lane.Waiting.Enqueue(vote);
        lane.MaxDepth = Math.Max(lane.MaxDepth, lane.Waiting.Count);
        if (!lane.Committing && !lane.Paused)
        {
            StartCommit(laneIndex, now);
        }
    }

    private void StartCommit(int laneIndex, double now)
    {
        var lane = _lanes[laneIndex];
        while (lane.Batch.Count < _settings.MaxBatchSize && lane.Waiting.TryDequeue(out var vote))
        {
            lane.Batch.Add(vote);
        }

        if (lane.Batch.Count == 0)
        {
            return;
        }

        lane.Committing = true;
        lane.CommitSerial++;
        var (end, stored) = _primaries[lane.Cluster].Commit(now, lane.Batch.Count);
        lane.CommitStores = stored;
        Schedule(end, new SimEvent(EventKind.CommitEnds, laneIndex, lane.CommitSerial));
        if (end - now > _settings.CommitDeadlineSeconds)
        {
            Schedule(now + _settings.CommitDeadlineSeconds, new SimEvent(EventKind.Deadline, laneIndex, lane.CommitSerial));
        }
    }

    private void PassDeadline(Lane lane, long serial, double now)
    {
        if (!lane.Committing || lane.CommitSerial != serial || lane.Stalled)
        {
            return;
        }

        // The server's stall path: the batch's requests and everything queued or arriving are answered 503 now.
        lane.Stalled = true;
        foreach (var vote in lane.Batch)
        {
            Refuse(vote, now);
        }

        while (lane.Waiting.TryDequeue(out var queued))
        {
            Refuse(queued, now);
        }
    }

    private void EndCommit(int laneIndex, double now)
    {
        var lane = _lanes[laneIndex];
        var counters = _counters[lane.Cluster];
        foreach (var vote in lane.Batch)
        {
            var newlyStored = lane.CommitStores && _votes.TryStore(vote);
            counters.Stored += newlyStored ? 1 : 0;
            if (lane.Stalled)
            {
                continue; // answered 503 at the deadline; the client's retry settles it
            }

            if (!lane.CommitStores)
            {
                Refuse(vote, now);
            }
            else
            {
                // 201 if this commit stored it, 200 with the same vote id if an earlier (stalled) commit had.
                if (newlyStored)
                {
                    counters.Created++;
                }
                else
                {
                    counters.Duplicates++;
                }

                _votes.Answer(vote);
                var latencyMs = (now - _votes.FirstSendOf(vote)) * 1000;
                counters.LatenciesMs.Add(latencyMs);
                counters.LastAnswer = Math.Max(counters.LastAnswer, now);
                if (_votes.WasRefused(vote))
                {
                    counters.LastRetriedAnswer = Math.Max(counters.LastRetriedAnswer, now);
                }
            }
        }

        var failed = !lane.CommitStores;
        lane.Batch.Clear();
        lane.Committing = false;
        lane.Stalled = false;
        if (failed)
        {
            lane.Paused = true;
            Schedule(now + _settings.FailedCommitPauseSeconds, new SimEvent(EventKind.Resume, laneIndex, 0));
        }
        else
        {
            StartCommit(laneIndex, now);
        }
    }

    private void Refuse(int vote, double now)
    {
        var counters = _counters[_votes.ClusterOf(vote)];
        counters.Refused++;
        if (!_votes.WasRefused(vote))
        {
            _votes.MarkRefused(vote);
            counters.VotersRefused++;
        }

        var wait = _settings.RetryAfterSeconds * (1 + (_settings.RetryJitter * _clients.NextDouble()));
        Schedule(now + wait, new SimEvent(EventKind.Retry, vote, 0));
    }

    private void Schedule(double at, SimEvent simEvent) => _events.Enqueue(simEvent, (at, _order++));

    private SimReport Report()
    {
        var clusters = new List<ClusterReport>(_settings.Clusters);
        var all = new List<double>(_votes.Count);
        for (var c = 0; c < _settings.Clusters; c++)
        {
            var counters = _counters[c];
            counters.LatenciesMs.Sort();
            all.AddRange(counters.LatenciesMs);
            var maxDepth = 0;
            for (var node = 0; node < _settings.Nodes; node++)
            {
                maxDepth = Math.Max(maxDepth, _lanes[(node * _settings.Clusters) + c].MaxDepth);
            }

            clusters.Add(new ClusterReport(c, counters.Votes, counters.Stored, counters.Created, counters.Duplicates,
                counters.Attempts, counters.Refused, counters.VotersRefused, Percentile(counters.LatenciesMs, 0.50),
                Percentile(counters.LatenciesMs, 0.99), counters.LatenciesMs.Count == 0 ? 0 : counters.LatenciesMs[^1],
                maxDepth, counters.LastAnswer, counters.LastRetriedAnswer));
        }

        all.Sort();
        return new SimReport(_settings, clusters, Percentile(all, 0.50), Percentile(all, 0.99), clusters.Max(c => c.LastAnswerSeconds));
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    internal static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    private readonly record struct SimEvent(EventKind Kind, int Subject, long Serial);

    private sealed class ClusterCounters
    {
        public long Votes { get; set; }

        public long Stored { get; set; }

        public long Created { get; set; }

        public long Duplicates { get; set; }

        public long Attempts { get; set; }

        public long Refused { get; set; }

        public long VotersRefused { get; set; }

        public double LastAnswer { get; set; }

        public double LastRetriedAnswer { get; set; }

        public List<double> LatenciesMs { get; } = [];
    }
}
