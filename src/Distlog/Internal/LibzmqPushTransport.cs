using Distlog.Native;

namespace Distlog.Internal;

/// <summary>
/// A PUSH socket of the native ZeroMQ library (libzmq, e.g. Debian's <c>libzmq5</c>) connected to the daemon: the
/// same ZMTP wire as <see cref="NetMqPushTransport"/>, at about half the processor time per message (NetMQ polls its
/// command mailbox before every frame it sends on Linux; libzmq throttles that with the CPU's time-stamp counter).
/// </summary>
/// <remarks>
/// Created, used and closed on the sender thread only. Each transport has a context of its own, so that closing it
/// can wait, up to the linger, until libzmq's I/O thread has written what the socket holds.
/// </remarks>
internal sealed class LibzmqPushTransport : IRecordTransport
{
    private nint _context;
    private nint _socket;

    /// <exception cref="DllNotFoundException">libzmq cannot be loaded.</exception>
    /// <exception cref="InvalidOperationException">libzmq refused the socket or the endpoint.</exception>
    public LibzmqPushTransport(string endpoint, int sendHighWatermark, CurveKeys? curve = null)
    {
        _context = Libzmq.zmq_ctx_new();
        if (_context == 0)
        {
            throw Libzmq.Failure("zmq_ctx_new");
        }

        try
        {
            _socket = Libzmq.zmq_socket(_context, Libzmq.Push);
            if (_socket == 0)
            {
                throw Libzmq.Failure("zmq_socket");
            }

            SetOption(Libzmq.OptionSendHighWatermark, Math.Max(1, sendHighWatermark));
            SetOption(Libzmq.OptionLinger, 0);
            if (curve is not null)
            {
                SetKey(Libzmq.OptionCurveServerKey, curve.ServerPublicKey);
                SetKey(Libzmq.OptionCurvePublicKey, curve.Own.PublicKey);
                SetKey(Libzmq.OptionCurveSecretKey, curve.Own.SecretKey!);
            }

            // Queue only to a connected daemon, as the NetMQ transport does: while there is none, records wait in
            // the provider's own queue, where they are counted and bounded.
            SetOption(Libzmq.OptionImmediate, 1);
            if (Libzmq.zmq_connect(_socket, endpoint) != 0)
            {
                throw Libzmq.Failure($"connecting to '{endpoint}'");
            }
        }
        catch
        {
            Close(TimeSpan.Zero);
            throw;
        }
    }

    /// <summary>Whether libzmq can be loaded in this process (by its soname, <c>libzmq.so.5</c>, or <c>libzmq</c>).</summary>
    public static bool IsAvailable => Libzmq.IsAvailable;

    public unsafe bool TrySend(byte[] topic, byte[] body, int length, byte[]? stamp = null)
    {
        fixed (byte* topicBytes = topic)
        {
            if (Libzmq.zmq_send(_socket, topicBytes, (nuint)topic.Length, Libzmq.SendMore | Libzmq.DontWait) < 0)
            {
                // Full, not connected, or interrupted by a signal (the runtime sends some): not now.
                int error = Libzmq.zmq_errno();
                return error is Libzmq.Again or Libzmq.Interrupted ? false : throw Libzmq.Failure("sending", error);
            }
        }

        // Once the first frame is taken, ZeroMQ takes the whole message (the high-water mark is checked on the
        // first frame only); libzmq copies the body, so the buffer is the sender's again at once.
        SendRest(body, length, stamp is null ? Libzmq.DontWait : Libzmq.SendMore | Libzmq.DontWait);
        if (stamp is not null)
        {
            SendRest(stamp, stamp.Length, Libzmq.DontWait);
        }

        return true;
    }

    private unsafe void SendRest(byte[] frame, int length, int flags)
    {
        fixed (byte* bytes = frame)
        {
            while (Libzmq.zmq_send(_socket, bytes, (nuint)length, flags) < 0)
            {
                int error = Libzmq.zmq_errno();
                if (error != Libzmq.Interrupted)
                {
                    throw Libzmq.Failure("sending", error);
                }
            }
        }
    }

    public void Close(TimeSpan linger)
    {
        if (_socket != 0)
        {
            SetOption(Libzmq.OptionLinger, (int)Math.Clamp(linger.TotalMilliseconds, 0, int.MaxValue));
            _ = Libzmq.zmq_close(_socket); // fails only for a handle that is not a socket
            _socket = 0;
        }

        if (_context != 0)
        {
            // Returns once the I/O thread has written what the socket held, or the linger has passed.
            while (Libzmq.zmq_ctx_term(_context) != 0 && Libzmq.zmq_errno() == Libzmq.Interrupted)
            {
            }

            _context = 0;
        }
    }

    public void Dispose() => Close(TimeSpan.Zero);

    private unsafe void SetKey(int option, byte[] key)
    {
        fixed (byte* bytes = key)
        {
            if (Libzmq.zmq_setsockopt(_socket, option, bytes, (nuint)key.Length) != 0)
            {
                throw Libzmq.Failure($"setting CURVE key option {option}");
            }
        }
    }

    private unsafe void SetOption(int option, int value)
    {
        if (Libzmq.zmq_setsockopt(_socket, option, &value, sizeof(int)) != 0)
        {
            throw Libzmq.Failure($"setting socket option {option}");
        }
    }
}
