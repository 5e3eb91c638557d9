using System.Reflection;

namespace LiveVote.Browser.Tests.Infrastructure;

/// <summary>Where the page screenshots go: docs/screenshots in the repository, whatever the build's artifacts path.</summary>
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
}
