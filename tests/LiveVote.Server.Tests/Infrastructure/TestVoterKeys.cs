using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace LiveVote.Server.Tests.Infrastructure;

/// <summary>
/// The voter keys of one poll, computed the documented way and independently of the server's code (docs/design.md,
/// 7.2): the poll's wrapped secret is read from the store, unwrapped (HKDF-SHA256 of LiveVote:VoterKeySecret with info
/// "livevote voter-key wrapping v1", AES-256-GCM, version 1 || nonce 12 || ciphertext 32 || tag 16, AAD = poll id), and
/// each key is the first 16 bytes of HMAC-SHA256(pollSecret, pollId || 0x00 || viewerId). A poll stored without a secret
/// (created before per-poll keys) uses the fleet-wide derivation, first 16 bytes of HMAC-SHA256(VoterKeySecret, viewerId).
/// </summary>
public sealed class TestVoterKeys
{
    private readonly string _pollId;
    private readonly byte[]? _pollSecret;

    private TestVoterKeys(string pollId, byte[]? pollSecret)
    {
        _pollId = pollId;
        _pollSecret = pollSecret;
    }

    /// <summary>Whether the poll has a secret of its own (false: the fleet-wide derivation).</summary>
    public bool PerPoll => _pollSecret is not null;

    /// <summary>The keys of <paramref name="pollId"/>, whose wrapped secret is <paramref name="wrapped"/> (null: a poll from before).</summary>
    public static TestVoterKeys FromWrapped(string pollId, byte[]? wrapped, string fleetSecret = LiveVoteServer.VoterKeySecret) =>
        new(pollId, wrapped is null ? null : Unwrap(pollId, wrapped, fleetSecret));

    /// <summary>Reads the poll's wrapped secret from the SQLite file (read-only) of a server.</summary>
    public static TestVoterKeys FromSqlite(string databasePath, string pollId, string fleetSecret = LiveVoteServer.VoterKeySecret) =>
        FromWrapped(pollId, ReadWrappedFromSqlite(databasePath, pollId), fleetSecret);

    /// <summary>Reads the poll's wrapped secret from a PostgreSQL database (a cluster the poll is spread over).</summary>
    public static async Task<TestVoterKeys> FromPostgresAsync(string connectionString, string pollId, string fleetSecret = LiveVoteServer.VoterKeySecret) =>
        FromWrapped(pollId, await ReadWrappedFromPostgresAsync(connectionString, pollId), fleetSecret);

    /// <summary>The keys of each of <paramref name="pollIds"/>, read from one PostgreSQL database.</summary>
    public static async Task<Dictionary<string, TestVoterKeys>> ForPollsAsync(string connectionString, IEnumerable<string> pollIds)
    {
        var keys = new Dictionary<string, TestVoterKeys>(StringComparer.Ordinal);
        foreach (var pollId in pollIds.Distinct())
        {
            keys[pollId] = await FromPostgresAsync(connectionString, pollId);
        }

        return keys;
    }

    public static byte[]? ReadWrappedFromSqlite(string databasePath, string pollId)
    {
        using var connection = StoreFile.OpenReadOnly(databasePath);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT voter_secret FROM polls WHERE id = $id";
        command.Parameters.AddWithValue("$id", pollId);
        using var reader = command.ExecuteReader();
        Assert.True(reader.Read(), $"poll {pollId} is not in {databasePath}");
        return reader.IsDBNull(0) ? null : (byte[])reader.GetValue(0);
    }

    public static async Task<byte[]?> ReadWrappedFromPostgresAsync(string connectionString, string pollId)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT voter_secret FROM polls WHERE id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = pollId });
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), $"poll {pollId} is not in the database");
        return reader.IsDBNull(0) ? null : reader.GetFieldValue<byte[]>(0);
    }

    /// <summary>The viewer's voter key in this poll, as lower-case hex (as the trail and the tables show it).</summary>
    public string Hex(string viewerId) => Convert.ToHexStringLower(Key(viewerId));

    public byte[] Key(string viewerId)
    {
        var mac = _pollSecret is null
            ? HMACSHA256.HashData(Encoding.UTF8.GetBytes(LiveVoteServer.VoterKeySecret), Encoding.UTF8.GetBytes(viewerId))
            : HMACSHA256.HashData(_pollSecret, (byte[])[.. Encoding.UTF8.GetBytes(_pollId), 0, .. Encoding.UTF8.GetBytes(viewerId)]);
        return mac[..16];
    }

    /// <summary>The partition the viewer's votes in this poll belong to: the server's placement of the key.</summary>
    public int PartitionOf(string viewerId, int partitionCount) =>
        LiveVote.Server.Votes.VoterPartitioner.PartitionOf(LiveVote.Server.Votes.VoterKey.Read(Key(viewerId)), partitionCount);

    private static byte[] Unwrap(string pollId, byte[] wrapped, string fleetSecret)
    {
        Assert.Equal(61, wrapped.Length);
        Assert.Equal(1, wrapped[0]);
        var key = HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(fleetSecret), 32, [], Encoding.ASCII.GetBytes("livevote voter-key wrapping v1"));
        var secret = new byte[32];
        using var aes = new AesGcm(key, 16);
        aes.Decrypt(wrapped.AsSpan(1, 12), wrapped.AsSpan(13, 32), wrapped.AsSpan(45, 16), secret, Encoding.UTF8.GetBytes(pollId));
        return secret;
    }
}
