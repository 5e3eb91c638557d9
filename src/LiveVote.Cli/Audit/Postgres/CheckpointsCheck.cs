using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace LiveVote.Cli.Audit.Postgres;

/// <summary>
/// The <c>checkpoints</c> chain binds the heads of all writer chains: <c>hash = SHA-256(prev_hash || UTF-8(heads))</c>,
/// heads = <c>writer:seq:hashHex</c> per writer joined by <c>;</c>, genesis prev_hash = 32 zero bytes. A per-writer chain
/// alone cannot show that its tail was cut off; a checkpoint naming an entry the chain no longer holds (or holds with
/// another hash) does. Read before the chain walk (which records the named entries' hashes), judged after it.
/// </summary>
internal sealed class CheckpointsCheck
{
    private readonly List<(long Id, EntryRef Entry, string HashHex)> _heads = [];

    public long Checkpoints { get; private set; }

    public void Read(NpgsqlConnection connection, NpgsqlTransaction transaction, ChainWalk chains, ProblemLog problems)
    {
        var previous = AuditLinkHasher.Genesis.ToArray();
        using var command = new NpgsqlCommand("SELECT id, heads, prev_hash, hash FROM checkpoints ORDER BY id", connection, transaction);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            Checkpoints++;
            var id = reader.GetInt64(0);
            var heads = reader.GetString(1);
            var prev = reader.GetFieldValue<byte[]>(2);
            var hash = reader.GetFieldValue<byte[]>(3);
            if (!prev.AsSpan().SequenceEqual(previous))
            {
                problems.General($"checkpoint {id}: prev_hash does not match the hash of the checkpoint before it");
            }

            var computed = SHA256.HashData([.. prev, .. Encoding.UTF8.GetBytes(heads)]);
            if (!computed.AsSpan().SequenceEqual(hash))
            {
                problems.General($"checkpoint {id}: hash mismatch (stored {Convert.ToHexStringLower(hash)}, computed {Convert.ToHexStringLower(computed)})");
            }

            foreach (var head in heads.Split(';', StringSplitOptions.RemoveEmptyEntries))
            {
                var parts = head.Split(':');
                if (parts.Length != 3
                    || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var writer)
                    || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
                {
                    problems.General($"checkpoint {id}: head '{head}' is not writer:seq:hash");
                    continue;
                }

                var entry = new EntryRef(writer, seq);
                _heads.Add((id, entry, parts[2]));
                chains.Want(entry);
            }

            previous = hash;
        }
    }

    public void Judge(ChainWalk chains, ProblemLog problems)
    {
        foreach (var (id, entry, hashHex) in _heads)
        {
            if (chains.HashOf(entry) is not { } stored)
            {
                problems.At(entry, $"checkpoint {id} names this entry as chain {entry.Chain}'s head, but the chain does not hold it (cut off?)");
            }
            else if (!string.Equals(Convert.ToHexStringLower(stored), hashHex, StringComparison.Ordinal))
            {
                problems.At(entry, $"checkpoint {id} binds this entry with hash {hashHex}, the stored hash is {Convert.ToHexStringLower(stored)}");
            }
        }
    }
}
