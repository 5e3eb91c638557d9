namespace LiveVote.Server.Hosting.Shutdown;

/// <summary>Draining on SIGTERM: <see cref="ShutdownOptions"/>, the <see cref="Draining"/> state readiness reads, <see cref="DrainOnStop"/>.</summary>
public static class DrainingSetup
{
    public static WebApplicationBuilder AddDraining(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<ShutdownOptions>().BindConfiguration(ShutdownOptions.Section)
            .Validate(o => o.DrainDelay >= TimeSpan.Zero && o.DrainDelay <= ShutdownOptions.MaxDrainDelay,
                "LiveVote:Shutdown:DrainDelay must be between 00:00:00 and 00:01:00.")
            .ValidateOnStart();
        builder.Services.AddSingleton<Draining>();
        builder.Services.AddHostedService<DrainOnStop>();

        // The delay comes on top of the time Kestrel and the writers get to finish (HostOptions.ShutdownTimeout), so a
        // long drain never cuts the writers' last commits short.
        var delay = builder.Configuration.GetSection(ShutdownOptions.Section).GetValue(nameof(ShutdownOptions.DrainDelay), TimeSpan.Zero);
        if (delay > TimeSpan.Zero && delay <= ShutdownOptions.MaxDrainDelay)
        {
            builder.Services.PostConfigure<HostOptions>(host => host.ShutdownTimeout += delay);
        }

        return builder;
    }
}
