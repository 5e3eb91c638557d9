using LiveVote.Server.Hosting;
using LiveVote.Server.Storage.Sqlite;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Tests.Hosting;

/// <summary>
/// A bad configuration value stops the real server with exactly one line on stderr that names the key and the problem,
/// exit code 1, and no stack trace anywhere in its output.
/// </summary>
public sealed class ConfigurationErrorsTests : IDisposable
{
    private readonly string _folder = TempDirectory.Create("livevote-bad-config");

    public void Dispose() => TempDirectory.Delete(_folder);

    [Theory]
    [InlineData("LiveVote__Sqlite__CacheSizeMiB", "lots", "LiveVote:Sqlite:CacheSizeMiB: 'lots' is not a valid whole number.")]
    [InlineData("LiveVote__Sqlite__CacheSizeMiB", "1", "LiveVote:Sqlite:CacheSizeMiB: The field CacheSizeMiB must be between 2 and 4096.")]
    [InlineData("LiveVote__Sqlite__IndexSnapshotMinVotes", "0", "LiveVote:Sqlite:IndexSnapshotMinVotes: The field IndexSnapshotMinVotes must be between 1 and 9223372036854775807.")]
    [InlineData("LiveVote__Storage", "Oracle", "LiveVote:Storage: 'Oracle' is not a valid value (use one of Sqlite, Postgres).")]
    [InlineData("LiveVote__AdminKey", "too-short", "LiveVote:AdminKey: must be at least 16 characters.")]
    [InlineData("LiveVote__Tokens__Lifetime", "00:00:00", "LiveVote:Tokens needs an issuer, an audience and a positive lifetime.")]
    [InlineData("LiveVote__Shutdown__DrainDelay", "00:05:00", "LiveVote:Shutdown:DrainDelay must be between 00:00:00 and 00:01:00.")]
    [InlineData("LiveVote__Shutdown__DrainDelay", "soon", "LiveVote:Shutdown:DrainDelay: 'soon' is not a valid duration (hh:mm:ss).")]
    [InlineData("LiveVote__PublicBaseUrl", "vote.example.com", "LiveVote:PublicBaseUrl must be an absolute http or https URL; 'vote.example.com' is not.")]
    [InlineData("LiveVote__PublicBaseUrl", "https://vote.example.com/?from=tv", "LiveVote:PublicBaseUrl must have no query or fragment; 'https://vote.example.com/?from=tv' has.")]
    [InlineData("Logging__Console__FormatterName", "xml", "Logging:Console:FormatterName: 'xml' is not a console log format (use simple, json or systemd).")]
    public async Task BadValue_OneLineOnStderr_ExitCode1(string variable, string value, string problem)
    {
        var run = await ServerProcess.RunToExitAsync(Path.Combine(_folder, "livevote.db"), new Dictionary<string, string> { [variable] = value });

        AssertOneLine(run, problem);
    }

    [Fact]
    public async Task UnreadableSecretsFile_OneLineNamingTheFile_ExitCode1()
    {
        // No secret configured: the server reads them from secrets.json in its data folder, which is not JSON.
        var secrets = Path.Combine(_folder, "secrets.json");
        await File.WriteAllTextAsync(secrets, "not json");

        var run = await ServerProcess.RunToExitAsync(Path.Combine(_folder, "livevote.db"), new Dictionary<string, string>
        {
            ["LiveVote__AdminKey"] = "",
            ["LiveVote__TokenSigningKey"] = "",
            ["LiveVote__VoterKeySecret"] = "",
        });

        AssertOneLine(run, $"LiveVote:DataDirectory: cannot read or write the secrets file {secrets}: ");
    }

    [Fact]
    public async Task ConnectionsBeyondTheOpenFileLimit_OneLineNamingMaxPerNode_ExitCode1()
    {
        // More connections than this process (and so the child) may open files: the check runs before the host starts.
        var limit = FileDescriptorLimit.ReadSoftLimit() ?? throw new InvalidOperationException("no open-file limit on this machine");
        var run = await ServerProcess.RunToExitAsync(Path.Combine(_folder, "livevote.db"), new Dictionary<string, string>
        {
            ["LiveVote__Connections__MaxPerNode"] = limit.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["LiveVote__Connections__MaxPerNetwork"] = "100",
        });

        AssertOneLine(run, $"LiveVote:Connections:MaxPerNode: The process may open {limit} files (soft RLIMIT_NOFILE)");
    }

    [Fact]
    public void Describe_NamesTheKeyOfEachKindOfError_AndNothingElse()
    {
        var conversion = Record.Exception(() => new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["LiveVote:Sqlite:CacheSizeMiB"] = "x" }).Build()
            .GetSection(SqliteOptions.Section).Get<SqliteOptions>());
        var validation = new OptionsValidationException("", typeof(SqliteOptions),
            ["DataAnnotation validation failed for 'SqliteOptions' members: 'Path' with the error: 'The Path field is required.'."]);

        Assert.Equal("livevote: bad configuration: LiveVote:Sqlite:CacheSizeMiB: 'x' is not a valid whole number.", ConfigurationErrors.Describe(conversion!));
        Assert.Equal("livevote: bad configuration: LiveVote:Sqlite:Path: The Path field is required.", ConfigurationErrors.Describe(validation));
        Assert.Equal("livevote: bad configuration: LiveVote:Health:MinFreeDiskMiB: must be a number",
            ConfigurationErrors.Describe(new InvalidOperationException("wrapped", new BadConfigurationException("LiveVote:Health:MinFreeDiskMiB", "must be a number"))));
        Assert.Null(ConfigurationErrors.Describe(new InvalidOperationException("a bug, not a value")));
        Assert.Null(ConfigurationErrors.Describe(new ArgumentException("also a bug")));
    }

    private static void AssertOneLine(ExitedServer run, string problem)
    {
        var diagnostics = $"exit {run.ExitCode}\nstderr:\n{run.Stderr}\nstdout:\n{run.Stdout}";
        Assert.True(run.ExitCode == 1, diagnostics);
        var lines = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var line = Assert.Single(lines);
        Assert.StartsWith("livevote: bad configuration: " + problem, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Stderr + run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", run.Stderr + run.Stdout, StringComparison.Ordinal);
    }
}
