namespace LiveVote.Server.Hosting;

/// <summary>
/// A check of the configuration against the machine that a hosted service runs when it starts, and that
/// <see cref="ConfigurationErrors.CheckConfiguration"/> also runs before the host starts: a failure there is one line
/// and exit code 1, where inside the host's start it would first be logged as "Hosting failed to start" with the whole
/// stack trace.
/// </summary>
internal interface IStartupCheck
{
    /// <summary>Throws <see cref="BadConfigurationException"/> when the server must not start.</summary>
    void Verify();
}
