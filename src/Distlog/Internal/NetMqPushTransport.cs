using NetMQ;
using NetMQ.Sockets;

namespace Distlog.Internal;

/// <summary>A ZeroMQ PUSH socket connected to the daemon's PULL socket, as the original's handler does.</summary>
/// <remarks>Created, used and closed on the sender thread only (ZeroMQ sockets are not thread-safe).</remarks>
internal sealed class NetMqPushTransport : IRecordTransport
{
    private readonly PushSocket _socket;

    public NetMqPushTransport(string endpoint, int sendHighWatermark, CurveKeys? curve = null)
    {
        _socket = new PushSocket();
        try
        {
            curve?.Apply(_socket);
            _socket.Options.SendHighWatermark = Math.Max(1, sendHighWatermark);
            _socket.Options.Linger = TimeSpan.Zero;

            // Queue only to a connected daemon: while there is none, records wait in the provider's own queue,
            // where they are counted and bounded, not in the socket.
            _socket.Options.DelayAttachOnConnect = true;
            _socket.Connect(endpoint);
        }
        catch
        {
            _socket.Dispose();
            throw;
        }
    }

    public bool TrySend(byte[] topic, byte[] body, int length, byte[]? stamp = null)
    {
        if (!_socket.TrySendFrame(TimeSpan.Zero, topic, topic.Length, more: true))
        {
            return false;
        }

        // Once the first frame is taken, ZeroMQ takes the whole message. The body goes in an array of its own that
        // the message keeps, left unzeroed since it is overwritten at once: zeroing each 32 KiB batch cost the
        // sender a tenth of its time. A stamped message's body is already such an array (the sender keeps it until
        // it is acknowledged, and neither side writes to it), so it is handed over as it is.
        byte[] data = body;
        if (stamp is null || length != body.Length)
        {
            data = GC.AllocateUninitializedArray<byte>(length);
            Buffer.BlockCopy(body, 0, data, 0, length);
        }
        var msg = default(Msg);
        msg.InitGC(data, length);
        _socket.Send(ref msg, more: stamp is not null);
        if (stamp is not null)
        {
            _socket.SendFrame(stamp);
        }

        return true;
    }

    public void Close(TimeSpan linger)
    {
        _socket.Options.Linger = linger < TimeSpan.Zero ? TimeSpan.Zero : linger;
        _socket.Dispose();
    }

    public void Dispose() => Close(TimeSpan.Zero);
}
