using System.Net;
using System.Net.Sockets;

namespace Distlog.Tests.Support;

/// <summary>
/// A loopback port bound but not listening: connections to it are refused, and while the reservation lives no
/// other test's random bind can take it (a port merely found free could be handed to a parallel test's receiver,
/// which would then receive this test's records).
/// </summary>
internal sealed class PortReservation : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public PortReservation()
    {
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Port = ((IPEndPoint)_socket.LocalEndPoint!).Port;
    }

    public int Port { get; }

    public string Endpoint => $"tcp://127.0.0.1:{Port}";

    /// <summary>Releases the port for a receiver that binds it next.</summary>
    public void Dispose() => _socket.Dispose();
}
