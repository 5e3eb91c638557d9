using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace LiveVote.Server.Security.RateLimiting;

/// <summary>
/// Who sent a request, as the limits and the risk score see it: the connection's remote address (after
/// <c>ForwardedHeaders</c> when trusted proxies are configured), reduced to a host and to a network.
/// <list type="bullet">
/// <item>Host: the IPv4 address, or the IPv6 /64 (one subscriber normally gets a whole /64, so counting single IPv6
/// addresses would let one machine look like millions).</item>
/// <item>Network: the IPv4 /24 or the IPv6 /48, the usual smallest unit an operator, a data centre or a mobile carrier
/// hands out, so a farm of machines in one allocation is one network.</item>
/// </list>
/// Values are 128-bit numbers (IPv4 as IPv4-mapped IPv6) so that they are dictionary keys without allocation.
/// </summary>
public readonly record struct ClientNetwork(UInt128 Host, UInt128 Network, bool IsIPv4)
{
    public const int IPv4NetworkBits = 24;
    public const int IPv6NetworkBits = 48;
    public const int IPv6HostBits = 64;

    /// <summary>Requests without a remote address (in-memory test servers, Unix sockets) all share this one.</summary>
    public static readonly ClientNetwork Unknown = new(UInt128.Zero, UInt128.Zero, false);

    private static readonly UInt128 MappedPrefix = new(0, 0xFFFF_0000_0000);

    public static ClientNetwork Of(HttpContext context) => From(context.Connection.RemoteIpAddress);

    public static ClientNetwork From(IPAddress? address)
    {
        if (address is null)
        {
            return Unknown;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        Span<byte> bytes = stackalloc byte[16];
        if (address.AddressFamily == AddressFamily.InterNetwork && address.TryWriteBytes(bytes, out _))
        {
            var v4 = BinaryPrimitives.ReadUInt32BigEndian(bytes);
            var host = MappedPrefix | v4;
            return new ClientNetwork(host, MappedPrefix | (v4 & 0xFFFF_FF00u), true);
        }

        if (!address.TryWriteBytes(bytes, out var written) || written != 16)
        {
            return Unknown;
        }

        var value = BinaryPrimitives.ReadUInt128BigEndian(bytes);
        return new ClientNetwork(value & Mask(IPv6HostBits), value & Mask(IPv6NetworkBits), false);
    }

    /// <summary>The network as a prefix ("203.0.113.0/24", "2001:db8:1::/48"): what the audit trail shows, never a host.</summary>
    public string NetworkText()
    {
        if (this == Unknown)
        {
            return "unknown";
        }

        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, Network);
        return IsIPv4
            ? new IPAddress(bytes[12..]).ToString() + "/" + IPv4NetworkBits.ToString(CultureInfo.InvariantCulture)
            : new IPAddress(bytes).ToString() + "/" + IPv6NetworkBits.ToString(CultureInfo.InvariantCulture);
    }

    private static UInt128 Mask(int bits) => UInt128.MaxValue << (128 - bits);
}
