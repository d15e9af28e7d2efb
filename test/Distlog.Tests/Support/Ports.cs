using System.Net;
using System.Net.Sockets;

namespace Distlog.Tests.Support;

internal static class Ports
{
    /// <summary>A loopback port that nothing listens on right now.</summary>
    public static int Free()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
