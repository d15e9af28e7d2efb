using System.Runtime.InteropServices;

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
internal sealed partial class LibzmqPushTransport : IRecordTransport
{
    private const int Push = 8;
    private const int SendMore = 2;
    private const int DontWait = 1;
    private const int OptionLinger = 17;
    private const int OptionSendHighWatermark = 23;
    private const int OptionImmediate = 39;
    private const int ErrorAgain = 11; // EAGAIN on Linux, as libzmq reports it

    private nint _context;
    private nint _socket;

    /// <exception cref="DllNotFoundException">libzmq cannot be loaded.</exception>
    /// <exception cref="InvalidOperationException">libzmq refused the socket or the endpoint.</exception>
    public LibzmqPushTransport(string endpoint, int sendHighWatermark)
    {
        _context = Libzmq.zmq_ctx_new();
        if (_context == 0)
        {
            throw Libzmq.Failure("zmq_ctx_new");
        }

        try
        {
            _socket = Libzmq.zmq_socket(_context, Push);
            if (_socket == 0)
            {
                throw Libzmq.Failure("zmq_socket");
            }

            SetOption(OptionSendHighWatermark, Math.Max(1, sendHighWatermark));
            SetOption(OptionLinger, 0);

            // Queue only to a connected daemon, as the NetMQ transport does: while there is none, records wait in
            // the provider's own queue, where they are counted and bounded.
            SetOption(OptionImmediate, 1);
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
    public static bool IsAvailable => Libzmq.Handle != 0;

    public unsafe bool TrySend(byte[] topic, byte[] body, int length, byte[]? stamp = null)
    {
        fixed (byte* topicBytes = topic)
        {
            if (Libzmq.zmq_send(_socket, topicBytes, (nuint)topic.Length, SendMore | DontWait) < 0)
            {
                // Full, not connected, or interrupted by a signal (the runtime sends some): not now.
                int error = Libzmq.zmq_errno();
                return error is ErrorAgain or Libzmq.Interrupted ? false : throw Libzmq.Failure("sending", error);
            }
        }

        // Once the first frame is taken, ZeroMQ takes the whole message (the high-water mark is checked on the
        // first frame only); libzmq copies the body, so the buffer is the sender's again at once.
        SendRest(body, length, stamp is null ? DontWait : SendMore | DontWait);
        if (stamp is not null)
        {
            SendRest(stamp, stamp.Length, DontWait);
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
            SetOption(OptionLinger, (int)Math.Clamp(linger.TotalMilliseconds, 0, int.MaxValue));
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

    private unsafe void SetOption(int option, int value)
    {
        if (Libzmq.zmq_setsockopt(_socket, option, &value, sizeof(int)) != 0)
        {
            throw Libzmq.Failure($"setting socket option {option}");
        }
    }

    /// <summary>The few entry points of libzmq's C API this transport uses.</summary>
    private static unsafe partial class Libzmq
    {
        public const int Interrupted = 4; // EINTR

        private const string Library = "libzmq";

        static Libzmq() => NativeLibrary.SetDllImportResolver(typeof(Libzmq).Assembly, Resolve);

        /// <summary>The loaded library, or 0 when none of its names loads.</summary>
        public static nint Handle { get; } = Load();

        [LibraryImport(Library)]
        public static partial nint zmq_ctx_new();

        [LibraryImport(Library)]
        public static partial int zmq_ctx_term(nint context);

        [LibraryImport(Library)]
        public static partial nint zmq_socket(nint context, int type);

        [LibraryImport(Library)]
        public static partial int zmq_setsockopt(nint socket, int option, void* value, nuint length);

        [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
        public static partial int zmq_connect(nint socket, string endpoint);

        [LibraryImport(Library)]
        public static partial int zmq_send(nint socket, void* buffer, nuint length, int flags);

        [LibraryImport(Library)]
        public static partial int zmq_close(nint socket);

        [LibraryImport(Library)]
        public static partial int zmq_errno();

        [LibraryImport(Library)]
        private static partial nint zmq_strerror(int error);

        public static InvalidOperationException Failure(string what) => Failure(what, zmq_errno());

        public static InvalidOperationException Failure(string what, int error) =>
            new($"libzmq: {what} failed: {Marshal.PtrToStringUTF8(zmq_strerror(error))} (errno {error})");

        private static nint Load()
        {
            foreach (string name in (string[])["libzmq.so.5", "libzmq", "libzmq.5.dylib"])
            {
                if (NativeLibrary.TryLoad(name, typeof(Libzmq).Assembly, null, out nint handle))
                {
                    return handle;
                }
            }

            return 0;
        }

        private static nint Resolve(string name, System.Reflection.Assembly assembly, DllImportSearchPath? path) =>
            name == Library ? Handle : 0;
    }
}
