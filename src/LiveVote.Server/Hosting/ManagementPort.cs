using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LiveVote.Server.Hosting;

/// <summary>
/// The operator's endpoints on a listener of their own (<see cref="ManagementOptions"/>). Kestrel listens on the server's
/// URLs (<c>--urls</c>, <c>ASPNETCORE_URLS</c>, <c>ASPNETCORE_HTTP_PORTS</c>, else <c>http://localhost:5000</c>); the
/// management URLs are added to those, each listener is told apart by <see cref="ManagementListeners"/>, and a request
/// that arrives on the wrong kind of listener is answered 404.
/// </summary>
public static class ManagementPort
{
    /// <summary>Kestrel's own default when no URL is configured.</summary>
    private const string DefaultPublicUrl = "http://localhost:5000";

    /// <summary>Options, the listener registry, the check that every management URL was bound, and the URLs themselves.</summary>
    public static WebApplicationBuilder AddManagementPort(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<ManagementOptions>().BindConfiguration(ManagementOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.TryAddSingleton<ManagementListeners>();
        builder.Services.AddHostedService<ManagementListenerCheck>();

        var management = (builder.Configuration.GetSection(ManagementOptions.Section).Get<ManagementOptions>() ?? new ManagementOptions()).UrlList();
        if (management.Count > 0)
        {
            var publicUrls = PublicUrls(builder.WebHost);
            RefuseSharedListeners(publicUrls, management);
            RefuseUrlsKestrelIgnores(builder.Configuration, management);
            builder.WebHost.UseUrls([.. publicUrls, .. management]);
        }

        return builder;
    }

    /// <summary>
    /// With a management listener: the operator's endpoints answer only there, everything else only on the public
    /// listeners (404 otherwise, as an unknown route). Nothing without one. After routing, before static files.
    /// </summary>
    public static WebApplication UseManagementPort(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (app.Services.GetRequiredService<ManagementListeners>().Enabled)
        {
            app.Use(static (context, next) =>
            {
                if (ManagementListeners.Allows(context))
                {
                    return next(context);
                }

                // No body: the status code pages write the problem+json "not-found" every unknown route gets.
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            });
        }

        return app;
    }

    /// <summary>The URLs the public listeners use, read the way the host reads them.</summary>
    private static List<string> PublicUrls(ConfigureWebHostBuilder host)
    {
        if (Split(host.GetSetting(WebHostDefaults.ServerUrlsKey)) is { Count: > 0 } urls)
        {
            return urls;
        }

        // As the host does when no URL is set: each port of HTTP_PORTS / HTTPS_PORTS on every address.
        var ports = Split(host.GetSetting(WebHostDefaults.HttpPortsKey)).Select(port => $"http://*:{port}")
            .Concat(Split(host.GetSetting(WebHostDefaults.HttpsPortsKey)).Select(port => $"https://*:{port}"))
            .ToList();
        return ports.Count > 0 ? ports : [DefaultPublicUrl];
    }

    /// <summary>
    /// A management URL that is also a public one would make one listener both (or, with port 0, two listeners that
    /// cannot be told apart): refused at start.
    /// </summary>
    private static void RefuseSharedListeners(List<string> publicUrls, IReadOnlyList<string> managementUrls)
    {
        foreach (var management in managementUrls)
        {
            if (ManagementListeners.TryParse(management, out var managementEndPoint) is not null)
            {
                continue; // Reported by the options validation at start.
            }

            foreach (var url in publicUrls)
            {
                if (ManagementListeners.TryParse(url, out var publicEndPoint) is null && publicEndPoint.Equals(managementEndPoint))
                {
                    throw new BadConfigurationException(
                        $"{ManagementOptions.Section}:Urls", $"'{management}' is also a public URL ('{url}'); the management listener needs an address or port of its own.");
                }
            }
        }
    }

    /// <summary>
    /// Endpoints in <c>Kestrel:Endpoints</c> make Kestrel ignore the server URLs, the management ones included: a
    /// management URL not also listed there would never be bound. Refused before the host starts (one line, exit code
    /// 1); <see cref="ManagementListenerCheck"/> remains for endpoints configured in code.
    /// </summary>
    private static void RefuseUrlsKestrelIgnores(ConfigurationManager configuration, IReadOnlyList<string> managementUrls)
    {
        var kestrelUrls = configuration.GetSection("Kestrel:Endpoints").GetChildren()
            .Select(endpoint => endpoint["Url"])
            .OfType<string>()
            .ToList();
        if (kestrelUrls.Count == 0)
        {
            return;
        }

        foreach (var management in managementUrls)
        {
            if (ManagementListeners.TryParse(management, out var managementEndPoint) is not null)
            {
                continue; // Reported by the options validation at start.
            }

            var listed = kestrelUrls.Any(url => ManagementListeners.TryParse(url, out var endPoint) is null && endPoint.Equals(managementEndPoint));
            if (!listed)
            {
                throw new BadConfigurationException(
                    $"{ManagementOptions.Section}:Urls",
                    $"no listener would be bound to {management}: Kestrel ignores the server URLs, the management ones included, " +
                    "when endpoints are configured in Kestrel:Endpoints; list it there too, or remove Kestrel:Endpoints.");
            }
        }
    }

    private static List<string> Split(string? urls) =>
        [.. (urls ?? "").Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];

    /// <summary>
    /// Once the server listens: every management URL must have been bound. Kestrel ignores the server URLs when
    /// endpoints are configured in code or in <c>Kestrel:Endpoints</c>; without this check the operator's endpoints would
    /// silently answer 404 everywhere and monitoring would see a dead node.
    /// </summary>
    private sealed class ManagementListenerCheck(ManagementListeners listeners) : IHostedLifecycleService
    {
        public Task StartedAsync(CancellationToken cancellationToken) =>
            listeners.Enabled && listeners.Unbound() is { Count: > 0 } unbound
                ? throw new InvalidOperationException(
                    $"{ManagementOptions.Section}:Urls: no listener was bound to {string.Join(", ", unbound)}. They are added to the server's URLs, " +
                    "which Kestrel ignores when endpoints are configured in Kestrel:Endpoints or in code.")
                : Task.CompletedTask;

        public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
