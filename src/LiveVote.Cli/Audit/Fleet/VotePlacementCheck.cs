using System.Text;
using LiveVote.Cli.Audit.Postgres;
using Npgsql;

namespace LiveVote.Cli.Audit.Fleet;

/// <summary>
/// Every votes row of a poll lives in the cluster its voter maps to (<see cref="VoterPlacement"/> over the poll's
/// partition_count), and no voter key has a row in two clusters for one poll (the fleet counts a voter once only because
/// each voter has one home). Both in one pass: the clusters' votes tables are streamed in (poll, voter key) order and
/// merged, so no table is held in memory however many votes there are.
/// </summary>
internal sealed class VotePlacementCheck
{
    // Byte order on both sides of the merge: "C" collation compares the UTF-8 bytes, bytea compares bytes.
    public const string Query = "SELECT poll_id, voter_key, writer_id, seq FROM votes ORDER BY poll_id COLLATE \"C\", voter_key";

    /// <summary>How many votes rows were read and placed, over all clusters.</summary>
    public long Rows { get; private set; }

    public void Run(
        IReadOnlyList<(int Partition, PostgresSnapshot Snapshot)> clusters, IReadOnlyDictionary<string, int> partitionCounts,
        ProblemLog problems, CancellationToken cancellationToken)
    {
        var cursors = new List<Cursor>();
        try
        {
            foreach (var (partition, snapshot) in clusters)
            {
                cursors.Add(new Cursor(partition, snapshot));
            }

            var live = cursors.Where(c => c.HasRow).ToList();
            var same = new List<Cursor>();
            while (live.Count > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var lowest = live[0];
                foreach (var cursor in live)
                {
                    if (cursor.CompareTo(lowest) < 0)
                    {
                        lowest = cursor;
                    }
                }

                same.Clear();
                same.AddRange(live.Where(c => c.CompareTo(lowest) == 0));
                foreach (var cursor in same)
                {
                    Rows++;
                    CheckPlacement(cursor, partitionCounts, problems);
                }

                if (same.Count > 1)
                {
                    var homes = same.Select(c => $"{c.Partition} ({EntryRef.Describe(c.Entry.Chain, c.Entry.Seq)})");
                    problems.InPartition(null, null, lowest.PollId,
                        $"voter {Convert.ToHexStringLower(lowest.VoterKey)} has votes rows in partitions {string.Join(" and ", homes)}: a voter lives in one cluster per poll, or it is counted twice");
                }

                foreach (var cursor in same)
                {
                    cursor.Next();
                }

                live.RemoveAll(c => !c.HasRow);
            }
        }
        finally
        {
            foreach (var cursor in cursors)
            {
                cursor.Dispose();
            }
        }
    }

    private static void CheckPlacement(Cursor row, IReadOnlyDictionary<string, int> partitionCounts, ProblemLog problems)
    {
        if (!partitionCounts.TryGetValue(row.PollId, out var count))
        {
            return; // No cluster's polls table has the poll: its recount already reports the votes of an unknown poll.
        }

        var voter = Convert.ToHexStringLower(row.VoterKey);
        if (VoterPlacement.PartitionOf(row.VoterKey, count) is not { } home)
        {
            problems.InPartition(row.Partition, row.Entry, row.PollId,
                $"votes row (poll {row.PollId}, voter {voter}) has a voter key of {row.VoterKey.Length} bytes, too short to place");
        }
        else if (home != row.Partition)
        {
            problems.InPartition(row.Partition, row.Entry, row.PollId,
                $"votes row (poll {row.PollId}, voter {voter}) is in partition {row.Partition}, but its voter belongs in partition {home} (jump hash of the key's first 8 bytes over the poll's {count} partitions)");
        }
    }

    /// <summary>One cluster's votes table in (poll, voter key) byte order, one row at a time.</summary>
    private sealed class Cursor : IDisposable
    {
        private readonly NpgsqlCommand _command;
        private readonly NpgsqlDataReader _reader;

        public Cursor(int partition, PostgresSnapshot snapshot)
        {
            Partition = partition;
            _command = snapshot.Command(Query);
            _reader = _command.ExecuteReader();
            Next();
        }

        public int Partition { get; }

        public bool HasRow { get; private set; }

        public string PollId { get; private set; } = "";

        public byte[] VoterKey { get; private set; } = [];

        public EntryRef Entry { get; private set; }

        private byte[] PollBytes { get; set; } = [];

        public int CompareTo(Cursor other)
        {
            var poll = PollBytes.AsSpan().SequenceCompareTo(other.PollBytes);
            return poll != 0 ? poll : VoterKey.AsSpan().SequenceCompareTo(other.VoterKey);
        }

        public void Next()
        {
            HasRow = _reader.Read();
            if (HasRow)
            {
                PollId = _reader.GetString(0);
                PollBytes = Encoding.UTF8.GetBytes(PollId);
                VoterKey = _reader.GetFieldValue<byte[]>(1);
                Entry = new EntryRef(_reader.GetInt32(2), _reader.GetInt64(3));
            }
        }

        public void Dispose()
        {
            _reader.Dispose();
            _command.Dispose();
        }
    }
}
