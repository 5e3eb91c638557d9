using System.Text.RegularExpressions;

namespace LiveVote.Server.Tests.Infrastructure;

/// <summary>
/// The shipped configuration templates under <c>deploy/</c>, rendered for a test: every <c>{{ key }}</c> replaced,
/// and any placeholder left over is an error (a template gained a value the fixture does not know).
/// </summary>
public static partial class DeployTemplate
{
    /// <summary>The repository root: the first folder above the test's base directory holding LiveVote.slnx.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string PatroniDirectory => Path.Combine(RepositoryRoot, "deploy", "patroni");

    public static string Render(string template, IReadOnlyDictionary<string, string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var text = File.ReadAllText(Path.Combine(PatroniDirectory, template));
        foreach (var (key, value) in values)
        {
            text = text.Replace("{{ " + key + " }}", value, StringComparison.Ordinal);
        }

        var left = Placeholder().Match(text);
        return left.Success ? throw new InvalidOperationException($"{template}: no value for {left.Value}") : text;
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "LiveVote.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No LiveVote.slnx above {AppContext.BaseDirectory}: the deploy/ templates are not found.");
    }

    [GeneratedRegex(@"\{\{ *[a-z_]+ *\}\}")]
    private static partial Regex Placeholder();
}
