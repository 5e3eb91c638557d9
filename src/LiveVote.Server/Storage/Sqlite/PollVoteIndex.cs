using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using LiveVote.Server.Votes;

namespace LiveVote.Server.Storage.Sqlite;

/// <summary>
/// One poll's dedup index in the SQLite writer: for every stored vote, a 64-bit hash of its voter key and its seq, in
/// open-addressing tables (linear probing): 16 bytes a slot, at most 3/4 full, so 21-32 bytes per stored vote (a
/// <c>Dictionary</c> of full answers took ~72). A hash is not the key: a match is only a candidate, which
/// <see cref="SqliteVoteIndex"/> confirms against the stored row of its seq (which also holds the answer a retry gets
/// back), so the index stays exact. A new voter's key matches no hash (a chance of 2^-64 per slot probed), and
/// it is decided without reading the database.
/// <para>
/// The slots are spread over <see cref="Shards"/> tables by the hash's top bits, each growing on its own by half: a
/// growth moves 1/64 of the poll's votes, so the writer never stops for seconds to move millions at once.
/// </para>
/// Written and read by the single writer only.
/// </summary>
internal sealed class PollVoteIndex
{
    public const int Shards = 1 << ShardBits;
    private const int ShardBits = 6;

    // A table grows when it would pass 3/4 full: linear probing stays short (an absent key probes ~8 slots, one or two
    // cache lines), and after growing by half it is half full, so memory stays between 21 and 32 bytes per vote.
    private const int MinCapacity = 8;

    private readonly Shard[] _shards = new Shard[Shards];

    /// <summary>An index sized for <paramref name="expectedVotes"/> (e.g. the poll's stored total when rebuilding), so
    /// loading does not grow it; 0 starts small.</summary>
    public PollVoteIndex(long expectedVotes = 0)
    {
        // 60% full once loaded: growth starts only after a third more votes.
        var perShard = (int)Math.Min(int.MaxValue / 2, expectedVotes / Shards * 5 / 3);
        for (var i = 0; i < Shards; i++)
        {
            _shards[i] = new Shard(Math.Max(MinCapacity, perShard));
        }
    }

    /// <summary>An index made of tables read back from a snapshot (<see cref="VoteIndexSnapshot"/>), as they were.</summary>
    internal PollVoteIndex(Shard[] shards)
    {
        if (shards.Length != Shards)
        {
            throw new ArgumentException($"A poll's index has {Shards} tables, not {shards.Length}.", nameof(shards));
        }

        _shards = shards;
        foreach (var shard in shards)
        {
            Count += shard.Count;
        }
    }

    public long Count { get; private set; }

    /// <summary>The tables as they are, for <see cref="VoteIndexSnapshot"/> to write out.</summary>
    internal ReadOnlySpan<Shard> Tables => _shards;

    /// <summary>Bytes the slot arrays hold (what grows with votes).</summary>
    public long Bytes
    {
        get
        {
            long bytes = 0;
            foreach (var shard in _shards)
            {
                bytes += shard.Capacity * (long)(sizeof(ulong) + sizeof(long));
            }

            return bytes;
        }
    }

    /// <summary>
    /// The well-mixed, never-zero 64-bit hash of a voter key (zero marks an empty slot). Voter keys are HMAC output, but
    /// tests and imports may use plain ones (0, 1), (0, 2)...: mixing both halves keeps those spread too.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static ulong HashOf(in VoterKey key)
    {
        var x = key.High ^ BitOperations.RotateLeft(key.Low * 0x9E3779B97F4A7C15UL, 32);
        x ^= x >> 33;
        x *= 0xFF51AFD7ED558CCDUL;
        x ^= x >> 33;
        x *= 0xC4CEB9FE1A85EC53UL;
        x ^= x >> 33;
        return x == 0 ? 1 : x;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Add(ulong hash, long seq)
    {
        ShardOf(hash).Add(hash, seq);
        Count++;
    }

    /// <summary>
    /// Asks the CPU to fetch the cache lines where <see cref="Add"/> of this hash starts probing, without waiting: a
    /// bulk load issues it some entries ahead, so the random misses into tables far larger than the cache overlap
    /// instead of stalling one after the other (they were 42 % of a rebuild's samples). A hint only: no effect on
    /// what is stored, and nothing on CPUs without it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Prefetch(ulong hash) => ShardOf(hash).Prefetch(hash);

    /// <summary>
    /// Adds the entry unless this very (hash, seq) pair is there already: the catch-up after a snapshot taken while the
    /// node ran, whose later-copied tables may hold some of the votes after its mark (<see cref="RunningIndexSnapshot"/>).
    /// </summary>
    public bool AddIfAbsent(ulong hash, long seq)
    {
        var matches = Find(hash);
        while (matches.MoveNext())
        {
            if (matches.Current == seq)
            {
                return false;
            }
        }

        Add(hash, seq);
        return true;
    }

    /// <summary>Removes one entry (a vote of a batch whose transaction failed); false if it is not there.</summary>
    public bool Remove(ulong hash, long seq)
    {
        if (!ShardOf(hash).Remove(hash, seq))
        {
            return false;
        }

        Count--;
        return true;
    }

    /// <summary>The seqs stored under <paramref name="hash"/>: nearly always none or one, the voter's own vote.</summary>
    public Matches Find(ulong hash) => new(ShardOf(hash), hash);

    private Shard ShardOf(ulong hash) => _shards[hash >> (64 - ShardBits)];

    /// <summary>Walks the probe run of a hash, yielding the seq of each slot holding that hash. No allocation.</summary>
    public struct Matches
    {
        private readonly ulong[] _hashes;
        private readonly long[] _seqs;
        private readonly ulong _hash;
        private int _slot;
        private int _left;

        internal Matches(Shard shard, ulong hash)
        {
            (_hashes, _seqs, _hash) = (shard.Hashes, shard.Seqs, hash);
            _slot = shard.Home(hash) - 1;
            _left = _hashes.Length;
        }

        public long Current { get; private set; }

        public bool MoveNext()
        {
            while (_left-- > 0)
            {
                _slot = _slot + 1 == _hashes.Length ? 0 : _slot + 1;
                var stored = _hashes[_slot];
                if (stored == 0)
                {
                    _left = 0;
                    return false;
                }

                if (stored == _hash)
                {
                    Current = _seqs[_slot];
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>One open-addressing table: hashes and seqs in two arrays, so probing for an absent key reads hashes only.</summary>
    internal sealed class Shard
    {
        private int _count;

        public Shard(int capacity)
        {
            Hashes = new ulong[capacity];
            Seqs = new long[capacity];
        }

        /// <summary>A table as a snapshot holds it: the arrays as they were written, <paramref name="count"/> slots used.</summary>
        public Shard(ulong[] hashes, long[] seqs, int count)
        {
            if (hashes.Length != seqs.Length || hashes.Length < MinCapacity || count < 0 || count * 4L > hashes.Length * 3L)
            {
                throw new ArgumentException("Not a vote index table: array lengths or count out of range.");
            }

            (Hashes, Seqs, _count) = (hashes, seqs, count);
        }

        public ulong[] Hashes { get; private set; }

        public long[] Seqs { get; private set; }

        public int Capacity => Hashes.Length;

        public int Count => _count;

        /// <summary>The slot a hash starts probing at: its bits below the shard bits, scaled to the capacity (a
        /// multiply-shift, so any capacity works and growing by half is possible).</summary>
        public int Home(ulong hash) => (int)Math.BigMul(hash << ShardBits, (ulong)Hashes.Length, out _);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Add(ulong hash, long seq)
        {
            if ((_count + 1) * 4L > Hashes.Length * 3L)
            {
                Grow();
            }

            Place(hash, seq);
            _count++;
        }

        public bool Remove(ulong hash, long seq)
        {
            var hashes = Hashes;
            var seqs = Seqs;
            var slot = Home(hash);
            while (hashes[slot] != hash || seqs[slot] != seq)
            {
                if (hashes[slot] == 0)
                {
                    return false;
                }

                slot = Next(slot);
            }

            // Backward-shift deletion (no tombstones): each later entry of the run whose home is not between the hole
            // and itself moves into the hole, so every remaining entry stays reachable from its home.
            var hole = slot;
            var next = Next(hole);
            while (hashes[next] != 0)
            {
                var home = Home(hashes[next]);
                var stays = hole <= next ? hole < home && home <= next : hole < home || home <= next;
                if (!stays)
                {
                    hashes[hole] = hashes[next];
                    seqs[hole] = seqs[next];
                    hole = next;
                }

                next = Next(next);
            }

            hashes[hole] = 0;
            seqs[hole] = 0;
            _count--;
            return true;
        }

        private int Next(int slot) => slot + 1 == Hashes.Length ? 0 : slot + 1;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public unsafe void Prefetch(ulong hash)
        {
            if (Sse.IsSupported)
            {
                // The address is only a hint: an array moved by the GC meanwhile just makes it a useless one.
                var slot = Home(hash);
                Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(Hashes), slot)));
                Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(Seqs), slot)));
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Place(ulong hash, long seq)
        {
            var hashes = Hashes;
            var slot = Home(hash);
            while (hashes[slot] != 0)
            {
                slot = Next(slot);
            }

            hashes[slot] = hash;
            Seqs[slot] = seq;
        }

        private void Grow()
        {
            var (oldHashes, oldSeqs) = (Hashes, Seqs);
            var capacity = (int)Math.Min(Array.MaxLength, oldHashes.Length + (long)oldHashes.Length / 2);
            if (capacity <= oldHashes.Length)
            {
                throw new InvalidOperationException("A poll's vote index is full.");
            }

            (Hashes, Seqs) = (new ulong[capacity], new long[capacity]);
            for (var i = 0; i < oldHashes.Length; i++)
            {
                if (oldHashes[i] != 0)
                {
                    Place(oldHashes[i], oldSeqs[i]);
                }
            }
        }
    }
}
