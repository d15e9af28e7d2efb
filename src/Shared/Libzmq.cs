using System.Runtime.InteropServices;

namespace Distlog.Native;

/// <summary>
/// The few entry points of the native ZeroMQ library (libzmq, e.g. Debian's <c>libzmq5</c>) that distlog uses: the
/// client's libzmq transport, and distlogd's CURVE sockets (libzmq authenticates CURVE clients through ZAP, which
/// NetMQ lacks). Compiled into each assembly that needs it.
/// </summary>
internal static unsafe partial class Libzmq
{
    public const int Pair = 0;
    public const int Pub = 1;
    public const int Rep = 4;
    public const int Router = 6;
    public const int Pull = 7;
    public const int Push = 8;

    public const int DontWait = 1;
    public const int SendMore = 2;
    public const short PollIn = 1;

    public const int OptionMaxMessageSize = 22; // int64
    public const int OptionSendHighWatermark = 23;
    public const int OptionReceiveHighWatermark = 24;
    public const int OptionLinger = 17;
    public const int OptionLastEndpoint = 32;
    public const int OptionImmediate = 39;
    public const int OptionCurveServer = 47;
    public const int OptionCurvePublicKey = 48;
    public const int OptionCurveSecretKey = 49;
    public const int OptionCurveServerKey = 50;
    public const int OptionZapDomain = 55;

    public const int Interrupted = 4; // EINTR
    public const int Again = 11; // EAGAIN on Linux, as libzmq reports it
    public const int Terminated = 156384765; // ETERM: the context is being closed

    private const string Library = "libzmq";

    static Libzmq() => NativeLibrary.SetDllImportResolver(typeof(Libzmq).Assembly, Resolve);

    /// <summary>The loaded library, or 0 when none of its names loads.</summary>
    public static nint Handle { get; } = Load();

    /// <summary>Whether libzmq can be loaded in this process (by its soname, <c>libzmq.so.5</c>, or <c>libzmq</c>).</summary>
    public static bool IsAvailable => Handle != 0;

    /// <summary>One entry of <see cref="zmq_poll"/>'s array (libzmq's <c>zmq_pollitem_t</c> on Unix).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct PollItem
    {
        public nint Socket;
        public int FileDescriptor;
        public short Events;
        public short ReturnedEvents;
    }

    /// <summary>libzmq's <c>zmq_msg_t</c>: 64 opaque bytes.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 64)]
    public struct Message
    {
    }

    [LibraryImport(Library)]
    public static partial nint zmq_ctx_new();

    [LibraryImport(Library)]
    public static partial int zmq_ctx_term(nint context);

    [LibraryImport(Library)]
    public static partial int zmq_ctx_shutdown(nint context);

    [LibraryImport(Library)]
    public static partial nint zmq_socket(nint context, int type);

    [LibraryImport(Library)]
    public static partial int zmq_setsockopt(nint socket, int option, void* value, nuint length);

    [LibraryImport(Library)]
    public static partial int zmq_getsockopt(nint socket, int option, void* value, nuint* length);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int zmq_connect(nint socket, string endpoint);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int zmq_bind(nint socket, string endpoint);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int zmq_socket_monitor(nint socket, string endpoint, int events);

    [LibraryImport(Library)]
    public static partial int zmq_send(nint socket, void* buffer, nuint length, int flags);

    [LibraryImport(Library)]
    public static partial int zmq_close(nint socket);

    [LibraryImport(Library)]
    public static partial int zmq_msg_init(Message* message);

    [LibraryImport(Library)]
    public static partial int zmq_msg_recv(Message* message, nint socket, int flags);

    [LibraryImport(Library)]
    public static partial nint zmq_msg_data(Message* message);

    [LibraryImport(Library)]
    public static partial nuint zmq_msg_size(Message* message);

    [LibraryImport(Library)]
    public static partial int zmq_msg_more(Message* message);

    [LibraryImport(Library)]
    public static partial int zmq_msg_close(Message* message);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint zmq_msg_gets(Message* message, string property);

    [LibraryImport(Library)]
    public static partial int zmq_poll(PollItem* items, int count, long timeout);

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
