using System.Diagnostics;
using System.Globalization;
using System.Text;
using LiveVote.Server.Tests.Infrastructure;
using LiveVote.Server.Tests.Storage.Postgres;
using Xunit.Abstractions;

namespace LiveVote.Server.Tests.Deploy;

/// <summary>
/// <c>deploy/ansible/roll-postgres.yml</c> run as an operator runs it (<c>ansible-playbook</c> against an inventory
/// listing the members' REST URLs) on a Patroni cluster under steady vote load: every member restarts, the leader
/// changes by switchover to the synchronous standby, and the load sees what every failover scenario must hold
/// (<see cref="PatroniFailoverTestBase"/>: every vote finally 201/200, nothing on the way but 503 with Retry-After
/// or a cut connection that the client resent, every answered vote stored exactly once, audit verify passes).
/// </summary>
[Collection(PatroniClusters.Name)]
public sealed class RollPostgresTests(ITestOutputHelper output) : PatroniFailoverTestBase(output)
{
    /// <summary>Only stops a hung play: three restarts and a switchover take well under a minute here.</summary>
    private static readonly TimeSpan PlayDeadline = TimeSpan.FromMinutes(8);

    /// <summary>The play takes about two minutes here (each REST call is an Ansible task): the load must outlast it.</summary>
    protected override int PollCount => 700;

    [Fact]
    public async Task RollPostgres_UnderVoteLoad_RestartsEveryMemberAndSwitchesOverWithoutLosingAVote()
    {
        var postmastersBefore = new Dictionary<string, int>();
        ToolResult? play = null;
        var sincePlayEnded = new Stopwatch();
        var outcome = await RunAsync(
            "roll-postgres",
            async _ =>
            {
                foreach (var member in Cluster.Members)
                {
                    postmastersBefore[member.Name] = member.PostmasterPid ?? throw new InvalidOperationException($"{member.Name} has no postmaster.pid");
                }

                var clock = Stopwatch.StartNew();
                play = await RunPlaybookAsync(Cluster);
                sincePlayEnded.Start();
                Output.WriteLine($"ansible-playbook roll-postgres.yml took {clock.Elapsed.TotalSeconds:F1}s:\n{play.Output}{play.Error}");
                Assert.True(play.Succeeded, $"the play failed: {play}\n{Cluster.Diagnostics()}");
            },
            outage: false,
            observe: TimeSpan.FromSeconds(1));

        // The play ran, every member runs a new postmaster, and the leader changed by exactly one timeline: one
        // switchover, not a failover after the play (which would have taken a second timeline).
        Assert.NotNull(play);

        // The load ran through the whole play: votes were still being sent after it ended (the checks above cover them).
        var playEndedAt = outcome.Load.Clock.Elapsed.TotalSeconds - sincePlayEnded.Elapsed.TotalSeconds;
        Assert.Contains(outcome.Answers, a => a.SentAt > playEndedAt);
        Assert.Contains("failed=0", play.Output, StringComparison.Ordinal);
        foreach (var member in Cluster.Members)
        {
            Assert.True(member.PostmasterPid is { } pid && pid != postmastersBefore[member.Name] && ZoneProcess.IsAlive(pid),
                $"{member.Name}: postmaster {postmastersBefore[member.Name]} before the roll, {member.PostmasterPid} after");
        }

        Assert.NotEqual(outcome.OldLeader.Name, outcome.Leader.Name);
        Assert.Equal(outcome.OldTimeline + 1, outcome.Timeline);

        // The old leader rejoined as a replica on the new timeline (the play waited for it to stream).
        await Cluster.WaitForReplicaAsync(outcome.OldLeader, Recovery);

        // The members archive their WAL (archive_command of patroni.yml into the fixture's archive folder): the new
        // primary archived the new timeline's history file.
        var history = Path.Combine(Cluster.WalArchiveDirectory, $"{outcome.Timeline:X8}.history");
        var clock = Stopwatch.StartNew();
        while (!File.Exists(history) && clock.Elapsed < Recovery)
        {
            await Task.Delay(200);
        }

        Assert.True(File.Exists(history), $"{history} was not archived; archive: {string.Join(' ', Directory.GetFiles(Cluster.WalArchiveDirectory).Select(Path.GetFileName))}");
    }

    /// <summary>Writes an inventory of the cluster's members (group <c>patroni</c>, contract 5) and runs the play.</summary>
    private static async Task<ToolResult> RunPlaybookAsync(PatroniCluster cluster)
    {
        var inventory = new StringBuilder("[patroni]\n");
        foreach (var member in cluster.Members)
        {
            inventory.Append(CultureInfo.InvariantCulture, $"{member.Name} patroni_rest_url={member.RestUrl}\n");
        }

        var inventoryPath = Path.Combine(cluster.Directory, "roll-inventory.ini");
        await File.WriteAllTextAsync(inventoryPath, inventory.ToString());
        var start = ToolRun.Start("ansible-playbook", "-i", inventoryPath, Path.Combine(DeployTemplate.RepositoryRoot, "deploy", "ansible", "roll-postgres.yml"));
        start.WorkingDirectory = cluster.Directory;
        start.Environment["ANSIBLE_NOCOLOR"] = "1";
        start.Environment["ANSIBLE_LOCALHOST_WARNING"] = "false";
        start.Environment["ANSIBLE_INVENTORY_UNPARSED_WARNING"] = "false";

        // Ansible writes its temp files under $HOME: the cluster's folder, removed with it.
        start.Environment["HOME"] = cluster.Directory;
        return await RunTimestampedAsync(start);
    }

    /// <summary>Runs the play with each output line prefixed by the seconds since its start (where a roll spends its time).</summary>
    private static async Task<ToolResult> RunTimestampedAsync(ProcessStartInfo start)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        var clock = Stopwatch.StartNew();
        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        void Append(string? line)
        {
            if (line is not null)
            {
                lock (output)
                {
                    output.Append(CultureInfo.InvariantCulture, $"{clock.Elapsed.TotalSeconds,6:F1}s {line}\n");
                }
            }
        }

        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var deadline = new CancellationTokenSource(PlayDeadline);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            return new ToolResult(-1, output.ToString(), $"(killed after {PlayDeadline})");
        }

        // The parameterless wait also drains the redirected streams.
        await process.WaitForExitAsync();
        lock (output)
        {
            return new ToolResult(process.ExitCode, output.ToString(), "");
        }
    }
}
