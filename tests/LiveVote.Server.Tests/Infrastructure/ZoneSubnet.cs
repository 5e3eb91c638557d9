using System.Net;
using System.Security.Cryptography;
using System.Text.Json;

namespace LiveVote.Server.Tests.Infrastructure;

/// <summary>
/// A /24 inside 10.0.0.0/8 for one <see cref="ZoneNetwork"/>, picked at random and checked against every IPv4 route of
/// the host's namespace, so it never shadows the machine's own networks and never takes the range of another zone
/// network (each one's host link adds its /24 to the host's routes). Random, not sequential: parallel test runs that
/// start at the same moment would otherwise all try the same first free range.
/// </summary>
internal sealed class ZoneSubnet
{
    private const int Attempts = 64;
    private readonly byte[] _prefix;

    private ZoneSubnet(byte[] prefix) => _prefix = prefix;

    /// <summary>The address ending in <paramref name="host"/> (1..254) inside this /24.</summary>
    public IPAddress Address(int host) =>
        host is >= 1 and <= 254
            ? new IPAddress([_prefix[0], _prefix[1], _prefix[2], (byte)host])
            : throw new ArgumentOutOfRangeException(nameof(host), host, "A /24 has hosts 1..254.");

    public override string ToString() => $"{_prefix[0]}.{_prefix[1]}.{_prefix[2]}.0/24";

    public static async Task<ZoneSubnet> PickFreeAsync()
    {
        var taken = await HostRoutesAsync();
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            // 10.0.x and 10.255.x are left alone: they are the ranges people most often hand-configure.
            var candidate = new byte[] { 10, (byte)RandomNumberGenerator.GetInt32(1, 255), (byte)RandomNumberGenerator.GetInt32(0, 256) };
            if (!taken.Any(route => Overlaps(route, candidate)))
            {
                return new ZoneSubnet(candidate);
            }
        }

        throw new InvalidOperationException($"No free /24 in 10.0.0.0/8 after {Attempts} tries; host routes: {string.Join(", ", taken)}");
    }

    private static bool Overlaps((IPAddress Network, int Length) route, byte[] candidate)
    {
        // Two prefixes overlap when they agree on the bits of the shorter one.
        var length = Math.Min(route.Length, 24);
        var network = route.Network.GetAddressBytes();
        for (var bit = 0; bit < length; bit++)
        {
            var mask = 0x80 >> (bit % 8);
            if ((network[bit / 8] & mask) != (candidate[bit / 8] & mask))
            {
                return false;
            }
        }

        return true;
    }

    private static async Task<List<(IPAddress Network, int Length)>> HostRoutesAsync()
    {
        var json = await ToolRun.RunCheckedAsync("ip", "-4", "-j", "route", "show", "table", "all");
        var routes = new List<(IPAddress, int)>();
        using var document = JsonDocument.Parse(json);
        foreach (var route in document.RootElement.EnumerateArray())
        {
            var destination = route.TryGetProperty("dst", out var dst) ? dst.GetString() : null;
            if (destination is null or "default")
            {
                continue;
            }

            var parts = destination.Split('/');
            if (IPAddress.TryParse(parts[0], out var network))
            {
                routes.Add((network, parts.Length == 2 ? int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) : 32));
            }
        }

        return routes;
    }
}
