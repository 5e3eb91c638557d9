using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LiveVote.Server.Security;

/// <summary>The secrets in force: configured ones win; missing ones come from (or are generated into) a file.</summary>
public sealed class ServerSecrets
{
    public const int MinAdminKeyLength = 16;
    public const int MinKeyLength = 32;

    private ServerSecrets(string adminKey, byte[] tokenSigningKey, byte[] voterKeySecret, string? generatedFile)
    {
        AdminKey = adminKey;
        AdminKeyBytes = Encoding.UTF8.GetBytes(adminKey);
        TokenSigningKey = tokenSigningKey;
        VoterKeySecret = voterKeySecret;
        GeneratedFile = generatedFile;
    }

    public string AdminKey { get; }

    public byte[] AdminKeyBytes { get; }

    public byte[] TokenSigningKey { get; }

    public byte[] VoterKeySecret { get; }

    /// <summary>Signs ALTCHA CAPTCHA challenges.</summary>
    public byte[] CaptchaHmacKey { get; private init; } = [];

    /// <summary>
    /// The Ed25519 seed (base64) that signs the audit's tree heads and results: <c>LiveVote:Audit:SigningKey</c>, else the
    /// generated one. Kept with the other secrets, never in the database (Audit/Signing/AuditSigner).
    /// </summary>
    public string AuditSigningKey { get; private init; } = "";

    /// <summary>Rotated-out token signing keys, still accepted for verification (never for signing).</summary>
    public IReadOnlyList<byte[]> PreviousTokenSigningKeys { get; private init; } = [];

    /// <summary>The file that holds the generated secrets, when any was generated.</summary>
    public string? GeneratedFile { get; }

    public static ServerSecrets Load(SecretsOptions configured, string secretsFile, string? configuredAuditSigningKey = null)
    {
        GeneratedSecrets? stored = null;
        var needed = string.IsNullOrEmpty(configured.AdminKey) || string.IsNullOrEmpty(configured.TokenSigningKey) ||
                     string.IsNullOrEmpty(configured.VoterKeySecret) || string.IsNullOrEmpty(configured.CaptchaHmacKey) ||
                     string.IsNullOrEmpty(configuredAuditSigningKey);
        if (needed)
        {
            try
            {
                stored = ReadOrCreate(secretsFile);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or InvalidDataException)
            {
                // The node cannot start without its secrets; the operator needs the file and the reason, not a trace.
                throw new Hosting.BadConfigurationException("LiveVote:DataDirectory", $"cannot read or write the secrets file {secretsFile}: {e.Message}", e);
            }
        }

        var adminKey = Pick(configured.AdminKey, stored?.AdminKey, "AdminKey", MinAdminKeyLength);
        var signing = Pick(configured.TokenSigningKey, stored?.TokenSigningKey, "TokenSigningKey", MinKeyLength);
        var voter = Pick(configured.VoterKeySecret, stored?.VoterKeySecret, "VoterKeySecret", MinKeyLength);
        var captcha = Pick(configured.CaptchaHmacKey, stored?.CaptchaHmacKey, "CaptchaHmacKey", MinKeyLength);
        var previous = configured.PreviousTokenSigningKeys
            .Select((key, i) => Encoding.UTF8.GetBytes(Pick(key, null, $"PreviousTokenSigningKeys:{i}", MinKeyLength)))
            .ToArray();
        return new ServerSecrets(adminKey, Encoding.UTF8.GetBytes(signing), Encoding.UTF8.GetBytes(voter), needed ? secretsFile : null)
        {
            CaptchaHmacKey = Encoding.UTF8.GetBytes(captcha),
            AuditSigningKey = string.IsNullOrEmpty(configuredAuditSigningKey) ? stored!.AuditSigningKey! : configuredAuditSigningKey,
            PreviousTokenSigningKeys = previous,
        };
    }

    /// <summary>Constant-time comparison, so response timing does not reveal how much of a guess was right.</summary>
    public bool IsAdminKey(ReadOnlySpan<char> candidate)
    {
        if (candidate.IsEmpty || candidate.Length > 256)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[Encoding.UTF8.GetMaxByteCount(candidate.Length)];
        var n = Encoding.UTF8.GetBytes(candidate, bytes);
        return CryptographicOperations.FixedTimeEquals(bytes[..n], AdminKeyBytes);
    }

    private static string Pick(string? configured, string? stored, string name, int minLength)
    {
        var value = string.IsNullOrEmpty(configured) ? stored : configured;
        if (value is null || value.Length < minLength)
        {
            throw new Hosting.BadConfigurationException($"LiveVote:{name}", $"must be at least {minLength} characters.");
        }

        return value;
    }

    private static GeneratedSecrets ReadOrCreate(string path)
    {
        if (File.Exists(path))
        {
            var existing = JsonSerializer.Deserialize(File.ReadAllText(path), SecretsJsonContext.Default.GeneratedSecrets)
                           ?? throw new InvalidDataException($"{path} is empty.");

            // A file written before the CAPTCHA or audit key existed gains one; the other secrets in it stay as they were.
            return existing.CaptchaHmacKey is null || existing.AuditSigningKey is null
                ? Write(path, existing with { CaptchaHmacKey = existing.CaptchaHmacKey ?? NewKey(), AuditSigningKey = existing.AuditSigningKey ?? NewKey() }, replace: true)
                : existing;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        return Write(path, new GeneratedSecrets(NewKey(), NewKey(), NewKey(), NewKey(), NewKey()), replace: false);
    }

    private static GeneratedSecrets Write(string path, GeneratedSecrets secrets, bool replace)
    {
        var temp = path + ".tmp";
        var fileOptions = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var file = new FileStream(temp, fileOptions))
        {
            JsonSerializer.Serialize(file, secrets, SecretsJsonContext.Default.GeneratedSecrets);
            file.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: replace);
        return secrets;
    }

    private static string NewKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

internal sealed record GeneratedSecrets(
    string AdminKey, string TokenSigningKey, string VoterKeySecret, string? CaptchaHmacKey = null, string? AuditSigningKey = null);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(GeneratedSecrets))]
internal sealed partial class SecretsJsonContext : JsonSerializerContext;
