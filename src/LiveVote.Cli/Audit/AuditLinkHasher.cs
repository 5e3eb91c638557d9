using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace LiveVote.Cli.Audit;

/// <summary>
/// Recomputes the hash of one audit link: <c>SHA-256(prev_hash || UTF-8(canonical))</c> with canonical =
/// <c>seq \n kind \n poll_id \n voter_key as lowercase hex \n option_id \n at (Unix ms) \n data</c>, absent fields empty.
/// <para>
/// Written independently from the documented form (docs/design.md and the server's AuditEntry doc comment) on purpose:
/// this project does NOT reference LiveVote.Server. An auditor's tool must not share the code it checks, or a bug in
/// that code would be hidden by the very tool meant to find it.
/// </para>
/// </summary>
internal sealed class AuditLinkHasher : IDisposable
{
    public const int HashSize = 32;

    private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private byte[] _text = new byte[512];

    public static ReadOnlySpan<byte> Genesis => new byte[HashSize];

    /// <summary>The canonical text of a link, exactly as it is hashed (without the previous hash).</summary>
    public static string Canonical(long seq, string kind, string? pollId, byte[]? voterKey, string? optionId, long atUnixMs, string? data) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{seq}\n{kind}\n{pollId}\n{(voterKey is null ? "" : Convert.ToHexStringLower(voterKey))}\n{optionId}\n{atUnixMs}\n{data}");

    public byte[] Compute(ReadOnlySpan<byte> prevHash, long seq, string kind, string? pollId, byte[]? voterKey, string? optionId, long atUnixMs, string? data)
    {
        var canonical = Canonical(seq, kind, pollId, voterKey, optionId, atUnixMs, data);
        var length = Encoding.UTF8.GetByteCount(canonical);
        if (length > _text.Length)
        {
            _text = new byte[Math.Max(length, _text.Length * 2)];
        }

        Encoding.UTF8.GetBytes(canonical, _text);
        _sha256.AppendData(prevHash);
        _sha256.AppendData(_text, 0, length);
        return _sha256.GetHashAndReset();
    }

    public void Dispose() => _sha256.Dispose();
}
