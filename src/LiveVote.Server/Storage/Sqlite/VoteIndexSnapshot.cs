using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using LiveVote.Server.Audit;

namespace LiveVote.Server.Storage.Sqlite;

/// <summary>
/// Where a snapshot of the dedup index stands in the database: the index generation the database held when it was
/// written (<c>vote_index_generation</c>, bumped by anything that invalidates snapshots), and the newest audit entry it
/// covers, seq and chain hash. The chain hash commits to every entry up to that seq, votes and their voter keys
/// included, so a database whose entry at <see cref="Seq"/> has this hash holds exactly the votes the snapshot was made
/// from up to there (a restored older backup, another node's file or a rewritten history does not).
/// </summary>
internal readonly record struct VoteIndexMark(long Generation, long Seq, Sha256Hash Hash);

/// <summary>
/// The SQLite writer's dedup index (<see cref="PollVoteIndex"/> tables) written to a file beside the database at a clean
/// stop and while the node runs (<see cref="RunningIndexSnapshot"/>), so the next start loads the tables as they were (sequential reads straight into the arrays, no per-vote work)
/// and only reads the votes committed after it, instead of rebuilding from every stored vote (~1.7 us of CPU each).
/// <para>
/// Layout (integers little-endian; the arrays in the machine's order, and only little-endian machines write or read
/// one): an 80-byte header (magic, format version, shard bits, <see cref="VoteIndexMark"/>, poll count, body length),
/// the body (per poll: its id, then per table its capacity and count followed by its hash and seq arrays), and a
/// SHA-256 of the header and of the body's SHA-256. Written under a temporary name, fsynced, renamed over the old one, and the folder fsynced: a
/// crash leaves the old snapshot or the new one, whole. Anything that does not check out (size, magic, version, layout,
/// checksum) is refused with a reason, and the store rebuilds.
/// </para>
/// </summary>
internal static partial class VoteIndexSnapshot
{
    public const string Suffix = ".voteindex";

    /// <summary>
    /// Bump when the layout or <see cref="PollVoteIndex"/>'s table scheme (hash, home slot) changes. 2: each table's
    /// sizes just before its arrays (1 had a poll's sizes first), and the checksum over the header and the body's hash,
    /// so a running node can stream tables copied one at a time.
    /// </summary>
    public const int FormatVersion = 2;

    private const int HeaderSize = 80;
    private const int ChecksumSize = 32;

    // 1 MiB of buffer: the header and poll ids go through it; the arrays are read and written directly.
    private const int BufferSize = 1 << 20;

    private static ReadOnlySpan<byte> Magic => "LVVOTIDX"u8;

    /// <summary>The snapshot file of the database at <paramref name="databasePath"/>.</summary>
    public static string PathFor(string databasePath) => databasePath + Suffix;

    /// <summary>Writes the snapshot of <paramref name="polls"/> (the index exactly as of <paramref name="mark"/>) durably; returns its size.</summary>
    public static long Write(string path, VoteIndexMark mark, IReadOnlyDictionary<string, PollVoteIndex> polls)
    {
        var ids = polls.Keys.Order(StringComparer.Ordinal).ToArray();
        using var writer = new Writer(path, mark, ids.Length);
        foreach (var id in ids)
        {
            writer.BeginPoll(id);
            foreach (var table in polls[id].Tables)
            {
                writer.WriteTable(table.Count, MemoryMarshal.AsBytes(table.Hashes.AsSpan()), MemoryMarshal.AsBytes(table.Seqs.AsSpan()));
            }
        }

        return writer.Complete();
    }

    /// <summary>
    /// Writes a snapshot as a stream, one table after another, so a running node can hand over tables copied at
    /// different moments without holding a copy of the whole index (<see cref="RunningIndexSnapshot"/>): the header
    /// is written first with a zero body length and rewritten at <see cref="Complete"/>, and the checksum is the
    /// SHA-256 of the final header and of the body's SHA-256 (so the body is hashed once, as it streams). The data is
    /// flushed to disk every <see cref="FlushBytes"/> as it goes: the kernel never holds much of it dirty, so the WAL's
    /// fsync (which on ext4 data=ordered waits for other dirty data of the file system) is not held up by it.
    /// Disposing without <see cref="Complete"/> deletes the temporary file: the previous snapshot stays.
    /// </summary>
    internal sealed class Writer : IDisposable
    {
        // 32 MiB: a few tens of MiB of dirty pages at most (a fraction of a second of the disk's writes), while an fsync
        // every 32 MiB costs a 500 MB snapshot ~16 of them.
        private const long FlushBytes = 32L << 20;

        private readonly string _path;
        private readonly string _temporary;
        private readonly VoteIndexMark _mark;
        private readonly int _pollCount;
        private readonly FileStream _file;
        private readonly IncrementalHash _bodySha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private long _bodyLength;
        private long _unflushed;
        private int _polls;
        private int _tables = PollVoteIndex.Shards;
        private bool _completed;

        public Writer(string path, VoteIndexMark mark, int pollCount)
        {
            if (!BitConverter.IsLittleEndian)
            {
                throw new PlatformNotSupportedException("Vote index snapshots are written on little-endian machines only.");
            }

            (_path, _temporary, _mark, _pollCount) = (path, path + ".partial", mark, pollCount);
            _file = new FileStream(_temporary, FileMode.Create, FileAccess.Write, FileShare.None, BufferSize);
            Span<byte> header = stackalloc byte[HeaderSize];
            WriteHeader(header, bodyLength: 0);
            _file.Write(header);
        }

        /// <summary>Starts the next poll (in the order the reader will find them); its <see cref="PollVoteIndex.Shards"/> tables follow.</summary>
        public void BeginPoll(string id)
        {
            if (_tables != PollVoteIndex.Shards || _polls == _pollCount)
            {
                throw new InvalidOperationException("A poll begins only after the previous one's tables, and no more polls than announced.");
            }

            var idBytes = Encoding.UTF8.GetBytes(id);
            Span<byte> number = stackalloc byte[sizeof(int)];
            BinaryPrimitives.WriteInt32LittleEndian(number, idBytes.Length);
            Put(number);
            Put(idBytes);
            (_polls, _tables) = (_polls + 1, 0);
        }

        /// <summary>The current poll's next table: its slot count, used slots, and its hash and seq arrays as bytes.</summary>
        public void WriteTable(int count, ReadOnlySpan<byte> hashes, ReadOnlySpan<byte> seqs)
        {
            if (_tables == PollVoteIndex.Shards || hashes.Length != seqs.Length || hashes.Length % sizeof(ulong) != 0)
            {
                throw new InvalidOperationException("A table belongs to a poll begun, and has as many seqs as hashes.");
            }

            Span<byte> number = stackalloc byte[sizeof(int)];
            BinaryPrimitives.WriteInt32LittleEndian(number, hashes.Length / sizeof(ulong));
            Put(number);
            BinaryPrimitives.WriteInt32LittleEndian(number, count);
            Put(number);
            Put(hashes);
            Put(seqs);
            _tables++;
            if (_unflushed >= FlushBytes)
            {
                _file.Flush(flushToDisk: true);
                _unflushed = 0;
            }
        }

        /// <summary>The header's body length and the checksum written, the file fsynced and renamed over the old one, its folder fsynced.</summary>
        public long Complete()
        {
            if (_polls != _pollCount || _tables != PollVoteIndex.Shards)
            {
                throw new InvalidOperationException("Every poll announced must be written, with all its tables.");
            }

            Span<byte> header = stackalloc byte[HeaderSize];
            WriteHeader(header, _bodyLength);
            Span<byte> checksum = stackalloc byte[ChecksumSize];
            Checksum(header, _bodySha, checksum);
            _file.Write(checksum);
            _file.Flush();
            _file.Position = 0;
            _file.Write(header);
            _file.Flush(flushToDisk: true);
            _file.Dispose();
            File.Move(_temporary, _path, overwrite: true);
            _completed = true;
            FsyncDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(_path))!);
            return HeaderSize + _bodyLength + ChecksumSize;
        }

        public void Dispose()
        {
            _file.Dispose();
            _bodySha.Dispose();
            if (!_completed)
            {
                File.Delete(_temporary);
            }
        }

        private void Put(ReadOnlySpan<byte> bytes)
        {
            _bodySha.AppendData(bytes);
            _file.Write(bytes);
            _bodyLength += bytes.Length;
            _unflushed += bytes.Length;
        }

        private void WriteHeader(Span<byte> header, long bodyLength)
        {
            header.Clear();
            Magic.CopyTo(header);
            BinaryPrimitives.WriteInt32LittleEndian(header[8..], FormatVersion);
            BinaryPrimitives.WriteInt32LittleEndian(header[12..], PollVoteIndex.Shards);
            BinaryPrimitives.WriteInt64LittleEndian(header[16..], _mark.Generation);
            BinaryPrimitives.WriteInt64LittleEndian(header[24..], _mark.Seq);
            _mark.Hash.Write(header[32..]);
            BinaryPrimitives.WriteInt32LittleEndian(header[64..], _pollCount);
            BinaryPrimitives.WriteInt64LittleEndian(header[72..], bodyLength);
        }
    }

    /// <summary>The file's checksum: SHA-256 of the header and of the body's SHA-256 (the body hashed as it streams).</summary>
    private static void Checksum(ReadOnlySpan<byte> header, IncrementalHash bodySha, Span<byte> checksum)
    {
        Span<byte> body = stackalloc byte[ChecksumSize];
        bodySha.GetHashAndReset(body);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(header);
        sha.AppendData(body);
        sha.GetHashAndReset(checksum);
    }

    /// <summary>
    /// Reads the snapshot at <paramref name="path"/> whole and checks it; null (and why) when it is missing, truncated,
    /// of another format, or its checksum does not match. The caller still checks its mark against the database.
    /// </summary>
    public static Dictionary<string, PollVoteIndex>? TryRead(string path, out VoteIndexMark mark, out string whyNot)
    {
        mark = default;
        if (!BitConverter.IsLittleEndian)
        {
            whyNot = "this machine is not little-endian";
            return null;
        }

        if (!File.Exists(path))
        {
            whyNot = "no snapshot";
            return null;
        }

        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan);
        Span<byte> header = stackalloc byte[HeaderSize];
        if (!TryReadHeader(file, header, out mark, out var pollCount, out var bodyLength, out whyNot))
        {
            return null;
        }

        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var remaining = bodyLength;
        var polls = new Dictionary<string, PollVoteIndex>(pollCount, StringComparer.Ordinal);
        Span<byte> number = stackalloc byte[sizeof(int)];
        for (var p = 0; p < pollCount; p++)
        {
            // Every length is checked against what is left of the body before anything is allocated from it: a damaged
            // header must not make the node allocate gigabytes before the checksum refuses the file.
            if (!Take(file, sha, number, ref remaining))
            {
                whyNot = "truncated poll entry";
                return null;
            }

            var idLength = BinaryPrimitives.ReadInt32LittleEndian(number);
            if (idLength < 0 || idLength > remaining)
            {
                whyNot = "poll id length out of range";
                return null;
            }

            var idBytes = new byte[idLength];
            if (!Take(file, sha, idBytes, ref remaining))
            {
                whyNot = "truncated poll id";
                return null;
            }

            var tables = new PollVoteIndex.Shard[PollVoteIndex.Shards];
            for (var t = 0; t < tables.Length; t++)
            {
                if (!Take(file, sha, number, ref remaining))
                {
                    whyNot = "truncated table sizes";
                    return null;
                }

                var capacity = BinaryPrimitives.ReadInt32LittleEndian(number);
                if (!Take(file, sha, number, ref remaining))
                {
                    whyNot = "truncated table sizes";
                    return null;
                }

                var count = BinaryPrimitives.ReadInt32LittleEndian(number);
                if (capacity <= 0)
                {
                    whyNot = "table capacity out of range";
                    return null;
                }

                if (capacity * (long)(sizeof(ulong) + sizeof(long)) > remaining)
                {
                    whyNot = "table sizes larger than the file";
                    return null;
                }

                var hashes = GC.AllocateUninitializedArray<ulong>(capacity);
                var seqs = GC.AllocateUninitializedArray<long>(capacity);
                if (!Take(file, sha, MemoryMarshal.AsBytes(hashes.AsSpan()), ref remaining)
                    || !Take(file, sha, MemoryMarshal.AsBytes(seqs.AsSpan()), ref remaining))
                {
                    whyNot = "truncated table";
                    return null;
                }

                try
                {
                    tables[t] = new PollVoteIndex.Shard(hashes, seqs, count);
                }
                catch (ArgumentException)
                {
                    whyNot = "table count out of range";
                    return null;
                }
            }

            if (!polls.TryAdd(Encoding.UTF8.GetString(idBytes), new PollVoteIndex(tables)))
            {
                whyNot = "a poll twice";
                return null;
            }
        }

        Span<byte> expected = stackalloc byte[ChecksumSize];
        Span<byte> actual = stackalloc byte[ChecksumSize];
        if (remaining != 0 || file.Read(expected) != ChecksumSize || file.Position != file.Length)
        {
            whyNot = "body length does not match";
            return null;
        }

        Checksum(header, sha, actual);
        if (!CryptographicOperations.FixedTimeEquals(expected, actual))
        {
            whyNot = "checksum mismatch";
            return null;
        }

        whyNot = "";
        return polls;
    }

    private static bool TryReadHeader(FileStream file, Span<byte> header, out VoteIndexMark mark, out int pollCount, out long bodyLength,
        out string whyNot)
    {
        (mark, pollCount, bodyLength) = (default, 0, 0);
        if (file.Length < HeaderSize + ChecksumSize || file.ReadAtLeast(header, HeaderSize, throwOnEndOfStream: false) != HeaderSize)
        {
            whyNot = "shorter than a header";
            return false;
        }

        if (!header[..8].SequenceEqual(Magic))
        {
            whyNot = "not a vote index snapshot";
            return false;
        }

        var version = BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
        var shards = BinaryPrimitives.ReadInt32LittleEndian(header[12..]);
        if (version != FormatVersion || shards != PollVoteIndex.Shards)
        {
            whyNot = $"format {version} with {shards} tables a poll (this build: {FormatVersion}, {PollVoteIndex.Shards})";
            return false;
        }

        mark = new VoteIndexMark(BinaryPrimitives.ReadInt64LittleEndian(header[16..]), BinaryPrimitives.ReadInt64LittleEndian(header[24..]),
            Sha256Hash.Read(header[32..]));
        pollCount = BinaryPrimitives.ReadInt32LittleEndian(header[64..]);
        bodyLength = BinaryPrimitives.ReadInt64LittleEndian(header[72..]);
        if (pollCount < 0 || bodyLength < 0 || file.Length != HeaderSize + bodyLength + ChecksumSize)
        {
            whyNot = $"size {file.Length} bytes, the header says {HeaderSize + bodyLength + ChecksumSize} (truncated or damaged)";
            return false;
        }

        whyNot = "";
        return true;
    }

    private static bool Take(FileStream file, IncrementalHash sha, Span<byte> destination, ref long remaining)
    {
        if (destination.Length > remaining || file.ReadAtLeast(destination, destination.Length, throwOnEndOfStream: false) != destination.Length)
        {
            return false;
        }

        sha.AppendData(destination);
        remaining -= destination.Length;
        return true;
    }

    private static void FsyncDirectory(string directory)
    {
        // .NET opens no folders as streams; open(2) + fsync(2) directly, so the rename survives a power cut. Windows
        // has no such thing to do.
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var fd = Open(directory, 0);
        if (fd < 0)
        {
            throw new IOException($"Cannot open folder {directory} to fsync it (errno {Marshal.GetLastPInvokeError()}).");
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"fsync of folder {directory} failed (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
