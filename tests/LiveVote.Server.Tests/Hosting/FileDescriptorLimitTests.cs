using LiveVote.Server.Hosting;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace LiveVote.Server.Tests.Hosting;

/// <summary>The server checks its open-file limit against its connection limits at start, and refuses to start below the need.</summary>
public sealed class FileDescriptorLimitTests(ITestOutputHelper output) : IDisposable
{
    private const string LinuxLimits = """
        Limit                     Soft Limit           Hard Limit           Units
        Max cpu time              unlimited            unlimited            seconds
        Max processes             127543               127543               processes
        Max open files            20000                524288               files
        Max locked memory         8388608              8388608              bytes
        """;

    private readonly string _folder = TempDirectory.Create("livevote-nofile");

    public void Dispose() => TempDirectory.Delete(_folder);

    /// <summary>This process's soft limit, as the server reads its own.</summary>
    public static long OwnSoftLimit() =>
        FileDescriptorLimit.ReadSoftLimit() ?? throw new InvalidOperationException($"No 'Max open files' in {FileDescriptorLimit.LimitsFile}: the tests run on Linux.");

    [Fact]
    public void SoftLimit_IsReadFromTheMaxOpenFilesLine()
    {
        Assert.Equal(20_000, FileDescriptorLimit.ParseSoftLimit(LinuxLimits));
        Assert.Equal(long.MaxValue, FileDescriptorLimit.ParseSoftLimit("Max open files            unlimited            unlimited            files"));
        Assert.Null(FileDescriptorLimit.ParseSoftLimit("Max processes             127543               127543               processes"));
    }

    [Fact]
    public void Shortfall_CountsConnectionsManagementAndTheReserve()
    {
        Assert.Equal(20_000 + 64 + FileDescriptorLimit.Reserve, FileDescriptorLimit.Needed(20_000, 64));
        Assert.Null(FileDescriptorLimit.Shortfall(16_384 + FileDescriptorLimit.Reserve, 16_384, 0));

        var shortfall = FileDescriptorLimit.Shortfall(16_384 + FileDescriptorLimit.Reserve, 16_384, 64);

        Assert.NotNull(shortfall);
        Assert.Contains($"needs {16_384 + 64 + FileDescriptorLimit.Reserve}", shortfall, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_RefusesBelowTheNeed_AndPassesWithTheDefaults()
    {
        var limits = Path.Combine(_folder, "limits");
        await File.WriteAllTextAsync(limits, LinuxLimits);

        var tooMany = Check(new ConnectionLimitOptions { MaxPerNode = 19_000, MaxPerNetwork = 100 }, limits);
        var defaults = Check(new ConnectionLimitOptions(), limits);

        var refused = await Assert.ThrowsAsync<BadConfigurationException>(() => tooMany.StartAsync(CancellationToken.None));
        Assert.Contains("may open 20000 files", refused.Message, StringComparison.Ordinal);
        Assert.Equal("LiveVote:Connections:MaxPerNode", refused.Key);
        await defaults.StartAsync(CancellationToken.None);
    }

    [Fact]
    public async Task ConfiguredConnectionsBeyondTheOpenFileLimit_TheServerRefusesToStart()
    {
        // The child inherits this process's limit (.NET raises the soft limit to the hard one in both).
        var limit = OwnSoftLimit();
        output.WriteLine($"Open-file limit of the test process: {limit}.");

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => ServerProcess.StartAsync(Path.Combine(_folder, "livevote.db"), new Dictionary<string, string>
        {
            ["LiveVote__Connections__MaxPerNode"] = limit.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["LiveVote__Connections__MaxPerNetwork"] = "100",
        }));

        Assert.Contains($"may open {limit} files (soft RLIMIT_NOFILE)", refused.Message, StringComparison.Ordinal);
        Assert.Contains("LimitNOFILE", refused.Message, StringComparison.Ordinal);
    }

    private static FileDescriptorLimit.Check Check(ConnectionLimitOptions limits, string path) =>
        new(Options.Create(limits), new ManagementListeners(Options.Create(new ManagementOptions())), NullLogger<FileDescriptorLimit.Check>.Instance)
        {
            LimitsPath = path,
        };
}
