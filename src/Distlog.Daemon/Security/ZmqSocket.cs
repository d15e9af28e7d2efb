using System.Runtime.InteropServices;
using Distlog.Native;

namespace Distlog.Daemon.Security;

/// <summary>
/// A libzmq socket of distlogd's CURVE endpoints (see <see cref="CurveGate"/>): whole messages in and out as byte
/// arrays. Like every ZeroMQ socket, used by one thread at a time.
/// </summary>
internal sealed unsafe class ZmqSocket : IDisposable
{
    private nint _handle;

    public ZmqSocket(nint context, int type)
    {
        _handle = Libzmq.zmq_socket(context, type);
        if (_handle == 0)
        {
            throw Libzmq.Failure("zmq_socket");
        }

        Set(Libzmq.OptionLinger, 0);
    }

    public nint Handle => _handle;

    /// <summary>Whether <see cref="TryReceive"/> reads each message's <c>User-Id</c> (the name ZAP gave its peer).</summary>
    public bool ReadsUser { get; init; }

    /// <summary>The <c>User-Id</c> of the last message received, with <see cref="ReadsUser"/>.</summary>
    public string? LastUser { get; private set; }

    public void Set(int option, int value)
    {
        if (Libzmq.zmq_setsockopt(_handle, option, &value, sizeof(int)) != 0)
        {
            throw Libzmq.Failure($"setting socket option {option}");
        }
    }

    public void Set(int option, long value)
    {
        if (Libzmq.zmq_setsockopt(_handle, option, &value, sizeof(long)) != 0)
        {
            throw Libzmq.Failure($"setting socket option {option}");
        }
    }

    public void Set(int option, ReadOnlySpan<byte> value)
    {
        fixed (byte* bytes = value)
        {
            if (Libzmq.zmq_setsockopt(_handle, option, bytes, (nuint)value.Length) != 0)
            {
                throw Libzmq.Failure($"setting socket option {option}");
            }
        }
    }

    /// <summary>Binds and returns the endpoint bound (the port chosen, for <c>:*</c> or <c>:0</c>).</summary>
    /// <exception cref="InvalidOperationException">libzmq refused: the text says why (address in use, …).</exception>
    public string Bind(string endpoint)
    {
        if (endpoint.StartsWith("tcp://", StringComparison.Ordinal) && endpoint.EndsWith(":0", StringComparison.Ordinal))
        {
            endpoint = endpoint[..^1] + "*";
        }

        if (Libzmq.zmq_bind(_handle, endpoint) != 0)
        {
            throw new BindFailedException(endpoint, Libzmq.zmq_errno() == 98 /* EADDRINUSE */, Libzmq.Failure($"binding {endpoint}").Message);
        }

        byte* text = stackalloc byte[256];
        nuint length = 256;
        return Libzmq.zmq_getsockopt(_handle, Libzmq.OptionLastEndpoint, text, &length) == 0
            ? Marshal.PtrToStringUTF8((nint)text) ?? endpoint
            : endpoint;
    }

    public void Connect(string endpoint)
    {
        if (Libzmq.zmq_connect(_handle, endpoint) != 0)
        {
            throw Libzmq.Failure($"connecting to {endpoint}");
        }
    }

    /// <summary>Waits up to <paramref name="wait"/> for a message and takes it whole into <paramref name="frames"/>.
    /// </summary>
    public bool TryReceive(TimeSpan wait, List<byte[]> frames)
    {
        if (wait > TimeSpan.Zero && !WaitReadable(wait))
        {
            return false;
        }

        Libzmq.Message msg;
        _ = Libzmq.zmq_msg_init(&msg); // cannot fail
        try
        {
            int flags = Libzmq.DontWait;
            while (true)
            {
                if (Libzmq.zmq_msg_recv(&msg, _handle, flags) < 0)
                {
                    int error = Libzmq.zmq_errno();
                    if (error == Libzmq.Interrupted)
                    {
                        continue;
                    }

                    return frames.Count > 0 ? throw Libzmq.Failure("receiving", error) : false;
                }

                if (ReadsUser && flags == Libzmq.DontWait)
                {
                    nint user = Libzmq.zmq_msg_gets(&msg, "User-Id");
                    LastUser = user == 0 ? null : Marshal.PtrToStringUTF8(user);
                }

                int size = (int)Libzmq.zmq_msg_size(&msg);
                byte[] frame = size == 0 ? [] : GC.AllocateUninitializedArray<byte>(size);
                new ReadOnlySpan<byte>((void*)Libzmq.zmq_msg_data(&msg), size).CopyTo(frame);
                frames.Add(frame);
                if (Libzmq.zmq_msg_more(&msg) == 0)
                {
                    return true;
                }

                flags = 0; // the rest of a message is there once its first frame is
            }
        }
        finally
        {
            _ = Libzmq.zmq_msg_close(&msg);
        }
    }

    /// <summary>Sends a whole message without waiting; false when it cannot go now (full, or no such peer).</summary>
    public bool TrySend(IReadOnlyList<byte[]> frames)
    {
        for (int i = 0; i < frames.Count; i++)
        {
            int flags = Libzmq.DontWait | (i < frames.Count - 1 ? Libzmq.SendMore : 0);
            fixed (byte* bytes = frames[i])
            {
                while (Libzmq.zmq_send(_handle, bytes, (nuint)frames[i].Length, flags) < 0)
                {
                    int error = Libzmq.zmq_errno();
                    if (error == Libzmq.Interrupted)
                    {
                        continue;
                    }

                    if (i == 0 && error == Libzmq.Again)
                    {
                        return false;
                    }

                    throw Libzmq.Failure("sending", error);
                }
            }
        }

        return true;
    }

    public bool WaitReadable(TimeSpan wait)
    {
        var item = new Libzmq.PollItem { Socket = _handle, Events = Libzmq.PollIn };
        return Poll(&item, 1, wait) > 0;
    }

    /// <summary>zmq_poll, retried when a signal interrupts it.</summary>
    public static int Poll(Libzmq.PollItem* items, int count, TimeSpan wait)
    {
        while (true)
        {
            int ready = Libzmq.zmq_poll(items, count, (long)wait.TotalMilliseconds);
            if (ready >= 0)
            {
                return ready;
            }

            int error = Libzmq.zmq_errno();
            if (error != Libzmq.Interrupted)
            {
                throw Libzmq.Failure("polling", error);
            }
        }
    }

    public void Dispose()
    {
        if (_handle != 0)
        {
            _ = Libzmq.zmq_close(_handle);
            _handle = 0;
        }
    }
}

/// <summary>A CURVE endpoint that libzmq could not bind.</summary>
internal sealed class BindFailedException(string endpoint, bool inUse, string message) : Exception(message)
{
    public string Endpoint { get; } = endpoint;

    public bool InUse { get; } = inUse;
}
