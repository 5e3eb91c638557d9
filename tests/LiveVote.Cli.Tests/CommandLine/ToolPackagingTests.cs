using System.Reflection;
using LiveVote.Cli.CommandLine;
using LiveVote.Cli.Tests.Infrastructure;
using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Cli.Tests.CommandLine;

/// <summary>
/// The CLI installs as the .NET tool <c>livevote</c>: packed (from the build the tests run against) into a folder, installed
/// from that folder only (a nuget.config that clears every other source, so no network is needed), and run.
/// </summary>
public sealed class ToolPackagingTests
{
    [Fact]
    public async Task PackAndInstallAsATool_GivesALivevoteCommandThatPrintsTheVersion()
    {
        var folder = TempDirectory.Create("livevote-tool");
        try
        {
            var feed = Path.Combine(folder, "feed");
            var tools = Path.Combine(folder, "tools");
            var configuration = typeof(CliApp).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;
            var project = Path.Combine(RepositoryRoot(), "src", "LiveVote.Cli", "LiveVote.Cli.csproj");
            var environment = new Dictionary<string, string> { ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1" };

            var pack = await CliRunner.RunProgramAsync(CliRunner.DotnetHost(), ["pack", project, "-c", configuration, "--no-build", "-o", feed], environment);
            Assert.True(pack.ExitCode == 0, pack.Output + pack.Error);
            Assert.True(File.Exists(Path.Combine(feed, "LiveVote.Cli.1.0.0.nupkg")), string.Join(", ", Directory.GetFiles(feed)));

            var config = Path.Combine(folder, "nuget.config");
            await File.WriteAllTextAsync(config, $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration><packageSources><clear /><add key="local" value="{feed}" /></packageSources></configuration>
                """);
            var install = await CliRunner.RunProgramAsync(CliRunner.DotnetHost(),
                ["tool", "install", "--tool-path", tools, "--configfile", config, "--add-source", feed, "LiveVote.Cli"], environment);
            Assert.True(install.ExitCode == 0, install.Output + install.Error);

            // The apphost finds the runtime beside the dotnet that installed it.
            environment["DOTNET_ROOT"] = Path.GetDirectoryName(Path.GetFullPath(ResolveLink(CliRunner.DotnetHost())))!;
            var version = await CliRunner.RunProgramAsync(Path.Combine(tools, "livevote"), ["--version"], environment);

            Assert.Equal(0, version.ExitCode);
            Assert.Equal(CliApp.Version, version.Output.Trim());
            var help = await CliRunner.RunProgramAsync(Path.Combine(tools, "livevote"), ["--help"], environment);
            Assert.Contains("backup", help.Output, StringComparison.Ordinal);
        }
        finally
        {
            TempDirectory.Delete(folder);
        }
    }

    internal static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "LiveVote.slnx")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("LiveVote.slnx not found above " + AppContext.BaseDirectory);
    }

    private static string ResolveLink(string path)
    {
        var full = path.Contains('/', StringComparison.Ordinal) ? path : Environment.GetEnvironmentVariable("PATH")!.Split(':').Select(p => Path.Combine(p, path)).First(File.Exists);
        return new FileInfo(full).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? full;
    }
}
