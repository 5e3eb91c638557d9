using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Hosting;

/// <summary>
/// What one client can hold open (<see cref="ConnectionLimitOptions"/>): Kestrel's timeouts and data rates, the
/// <see cref="ConnectionGate"/> on every public listener, the management listeners' own connection middleware, and the
/// check of the open-file limit at start.
/// </summary>
public static class ConnectionLimits
{
    public static WebApplicationBuilder AddConnectionLimits(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<ConnectionLimitOptions>().BindConfiguration(ConnectionLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<ConnectionGate>();
        builder.Services.TryAddSingleton<ManagementListeners>();
        builder.Services.AddHostedService<FileDescriptorLimit.Check>();
        builder.Services.AddOptions<KestrelServerOptions>().Configure<IOptions<ConnectionLimitOptions>, ConnectionGate, ManagementListeners>(
            (kestrel, options, gate, management) =>
            {
                var limits = options.Value;
                var kestrelLimits = kestrel.Limits;

                // Kestrel counts per listening address and closes silently: a backstop only, for a listener the gate
                // would not cover, set above the gate's limit so that the gate (node-wide, per network, counted in
                // metrics) is the one that refuses, even while refused connections are still being closed.
                kestrelLimits.MaxConcurrentConnections = 2L * limits.MaxPerNode;

                // No endpoint upgrades a connection (results are plain HTTP streams): an upgraded connection would
                // escape MaxConcurrentConnections, so none is allowed.
                kestrelLimits.MaxConcurrentUpgradedConnections = 0;
                kestrelLimits.KeepAliveTimeout = limits.KeepAliveTimeout;
                kestrelLimits.RequestHeadersTimeout = limits.RequestHeadersTimeout;
                kestrelLimits.MinRequestBodyDataRate = new MinDataRate(limits.MinRequestBodyBytesPerSecond, limits.MinDataRateGracePeriod);
                kestrelLimits.MinResponseDataRate = new MinDataRate(limits.MinResponseBytesPerSecond, limits.MinDataRateGracePeriod);

                // Every listener Kestrel creates (from --urls, the defaults or configuration) passes here once, before it
                // binds. Kestrel keeps one such callback: this is the only one.
                kestrel.ConfigureEndpointDefaults(listen =>
                {
                    if (management.Claim(listen))
                    {
                        listen.Use(next => connection => management.OnConnectionAsync(connection, next));
                    }
                    else
                    {
                        listen.Use(next => connection => gate.OnConnectionAsync(connection, next));
                    }
                });
            });
        return builder;
    }
}
