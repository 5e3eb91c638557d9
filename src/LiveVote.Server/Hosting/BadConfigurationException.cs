namespace LiveVote.Server.Hosting;

/// <summary>
/// A configuration value the server cannot start with, thrown where it is read. <see cref="ConfigurationErrors"/>
/// turns it into one line on stderr (<c>{Key}: {Problem}</c>) and exit code 1.
/// </summary>
public sealed class BadConfigurationException : Exception
{
    public BadConfigurationException(string key, string problem, Exception? innerException = null)
        : base($"{key}: {problem}", innerException)
    {
        Key = key;
        Problem = problem;
    }

    public BadConfigurationException()
        : this("(unknown)", "bad configuration")
    {
    }

    public BadConfigurationException(string message)
        : this("(unknown)", message)
    {
    }

    public BadConfigurationException(string message, Exception innerException)
        : this("(unknown)", message, innerException)
    {
    }

    /// <summary>The key as an operator writes it (<c>LiveVote:Sqlite:CacheSizeMiB</c>).</summary>
    public string Key { get; }

    /// <summary>What is wrong with its value, as one sentence.</summary>
    public string Problem { get; }
}
