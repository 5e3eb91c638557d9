using System.Reflection;

namespace LiveVote.Browser.Tests.Infrastructure;

/// <summary>
/// Where the page screenshots go: docs/screenshots in the repository, whatever the build's artifacts path. Every run
/// rewrites them (<see cref="FreshPathFor"/> deletes the old file first), so the README always shows the pages as they are.
/// </summary>
public static class Screenshots
{
    public static string Directory
    {
        get
        {
            var root = typeof(Screenshots).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .Single(a => a.Key == "RepositoryRoot").Value!;
            var directory = Path.Combine(root, "docs", "screenshots");
            System.IO.Directory.CreateDirectory(directory);
            return directory;
        }
    }

    public static string PathFor(string fileName) => Path.Combine(Directory, fileName);

    /// <summary>The path with no file at it: a screenshot that fails to be written cannot pass for an old one.</summary>
    public static string FreshPathFor(string fileName)
    {
        var path = PathFor(fileName);
        File.Delete(path);
        return path;
    }
}
