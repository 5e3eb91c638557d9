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

    /// <summary>The file that holds the generated secrets, when any was generated.</summary>
    public string? GeneratedFile { get; }

    public static ServerSecrets Load(SecretsOptions configured, string secretsFile)
    {
        GeneratedSecrets? stored = null;
        var needed = string.IsNullOrEmpty(configured.AdminKey) || string.IsNullOrEmpty(configured.TokenSigningKey) ||
                     string.IsNullOrEmpty(configured.VoterKeySecret);
        if (needed)
        {
            stored = ReadOrCreate(secretsFile);
        }

        var adminKey = Pick(configured.AdminKey, stored?.AdminKey, "AdminKey", MinAdminKeyLength);
        var signing = Pick(configured.TokenSigningKey, stored?.TokenSigningKey, "TokenSigningKey", MinKeyLength);
        var voter = Pick(configured.VoterKeySecret, stored?.VoterKeySecret, "VoterKeySecret", MinKeyLength);
        return new ServerSecrets(adminKey, Encoding.UTF8.GetBytes(signing), Encoding.UTF8.GetBytes(voter), needed ? secretsFile : null);
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
            throw new InvalidOperationException($"LiveVote:{name} must be at least {minLength} characters.");
        }

        return value;
    }

    private static GeneratedSecrets ReadOrCreate(string path)
    {
        if (File.Exists(path))
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), SecretsJsonContext.Default.GeneratedSecrets)
                   ?? throw new InvalidDataException($"{path} is empty.");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var secrets = new GeneratedSecrets(NewKey(), NewKey(), NewKey());
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

        File.Move(temp, path, overwrite: false);
        return secrets;
    }

    private static string NewKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

internal sealed record GeneratedSecrets(string AdminKey, string TokenSigningKey, string VoterKeySecret);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(GeneratedSecrets))]
internal sealed partial class SecretsJsonContext : JsonSerializerContext;
