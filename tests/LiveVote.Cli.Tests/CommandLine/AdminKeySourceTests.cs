using LiveVote.Cli.CommandLine;
using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Cli.Tests.CommandLine;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class AdminKeySourceTests : IDisposable
{
    private readonly string _folder = TempDirectory.Create("admin-key-test");

    public void Dispose() => TempDirectory.Delete(_folder);

    [Fact]
    public void Resolve_EnvironmentVariable_IsUsedTrimmed() =>
        Assert.Equal("key-from-env", AdminKeySource.Resolve(Parse([], ("LIVEVOTE_ADMIN_KEY", "  key-from-env\n"))));

    [Fact]
    public void Resolve_File_IsReadTrimmedAndWinsOverTheEnvironment()
    {
        var file = KeyFile("  key-from-file  \n", UnixFileMode.UserRead | UnixFileMode.UserWrite);

        Assert.Equal("key-from-file", AdminKeySource.Resolve(Parse(["--admin-key-file", file], ("LIVEVOTE_ADMIN_KEY", "key-from-env"))));
    }

    [Fact]
    public void Resolve_ArgvKey_StillWorksAndWinsOverTheEnvironment() =>
        Assert.Equal("key-from-argv", AdminKeySource.Resolve(Parse(["--admin-key", "key-from-argv"], ("LIVEVOTE_ADMIN_KEY", "key-from-env"))));

    [Fact]
    public void Resolve_NothingGiven_IsNullAndRequiredNamesEverySource()
    {
        var options = Parse([]);

        Assert.Null(AdminKeySource.Resolve(options));
        var e = Assert.Throws<UsageException>(() => AdminKeySource.Required(options));
        Assert.Contains("--admin-key-file", e.Message, StringComparison.Ordinal);
        Assert.Contains("$LIVEVOTE_ADMIN_KEY", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_EmptyFile_IsRefused()
    {
        var file = KeyFile(" \n\t\n", UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var e = Assert.Throws<UsageException>(() => AdminKeySource.Resolve(Parse(["--admin-key-file", file])));
        Assert.Contains("is empty", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_WorldReadableFile_IsRefused()
    {
        var file = KeyFile("a-perfectly-good-key", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        var e = Assert.Throws<UsageException>(() => AdminKeySource.Resolve(Parse(["--admin-key-file", file])));
        Assert.Contains("chmod 600", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_MissingFile_IsRefused()
    {
        var e = Assert.Throws<UsageException>(() => AdminKeySource.Resolve(Parse(["--admin-key-file", Path.Combine(_folder, "absent")])));
        Assert.Contains("no such file", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_EmptyEnvironmentVariable_IsRefused() =>
        Assert.Throws<UsageException>(() => AdminKeySource.Resolve(Parse([], ("LIVEVOTE_ADMIN_KEY", "   "))));

    [Fact]
    public void Resolve_FileAndArgvKeyBoth_IsRefused()
    {
        var file = KeyFile("k", UnixFileMode.UserRead);

        Assert.Throws<UsageException>(() => AdminKeySource.Resolve(Parse(["--admin-key-file", file, "--admin-key", "k"])));
    }

    [Fact]
    public async Task LoadgenHelp_SaysTheArgvKeyLeaksIntoPs()
    {
        var result = await Infrastructure.CliRunner.RunAsync("loadgen", "--help");

        Assert.Contains("--admin-key <key>", result.Output, StringComparison.Ordinal);
        Assert.Contains("visible to every user in `ps`", result.Output, StringComparison.Ordinal);
        Assert.Contains("--admin-key-file <path>", result.Output, StringComparison.Ordinal);
        Assert.Contains("$LIVEVOTE_ADMIN_KEY", result.Output, StringComparison.Ordinal);
    }

    private static ParsedOptions Parse(string[] args, params (string Name, string Value)[] environment) =>
        ParsedOptions.Parse(args, AdminKeySource.Specs, name => environment.FirstOrDefault(e => e.Name == name).Value);

    private string KeyFile(string content, UnixFileMode mode)
    {
        var path = Path.Combine(_folder, Guid.NewGuid().ToString("N"));
        File.WriteAllText(path, content);
        File.SetUnixFileMode(path, mode);
        return path;
    }
}
