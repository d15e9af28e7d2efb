using System.Collections.Concurrent;
using System.Text;
using Distlog.Daemon.Configuration;
using Distlog.Native;
using Distlog.Plugins;
using Microsoft.Extensions.Logging;

namespace Distlog.Daemon.Security;

/// <summary>
/// distlogd's CURVE: one libzmq context for every encrypted socket (records, sessions, stats, publish), and the
/// ZAP handler (ZeroMQ RFC 27) that lets in only the client keys of <c>curve: clients</c>. NetMQ encrypts but has
/// no ZAP, so these sockets are libzmq's (Debian's <c>libzmq5</c>); the plain ones stay NetMQ's.
/// </summary>
/// <remarks>
/// A peer that is refused never gets past the handshake, so nothing it sends is read. Refusals are counted by reason
/// (not in clients, not CURVE, a wrong server key, over <c>max_connections</c>) and reported in one line at most once
/// a minute. The clients file
/// is read again when it changes; a file that cannot be read keeps the keys read before.
/// One thread (<c>distlogd-curve</c>) owns the ZAP socket and the sockets that watch handshakes.
/// </remarks>
internal sealed partial class CurveGate : IDisposable
{
    public const string Domain = "distlog";

    private const int Accepted = 0x0020;
    private const int Disconnected = 0x0200;
    private const int HandshakeFailedNoDetail = 0x0800;
    private const int HandshakeFailedProtocol = 0x2000;
    private const int Cryptographic = 0x11000001; // ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC
    private const int MechanismMismatch = 0x11000002; // ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH
    private static readonly TimeSpan s_reportInterval = TimeSpan.FromMinutes(1);

    private readonly CurveConfig _config;
    private readonly ILogger _logger;
    private readonly nint _context;
    private readonly ZmqSocket _zap;
    private readonly ConcurrentQueue<string> _newMonitors = new();
    private readonly ConcurrentDictionary<string, long> _refused = new(StringComparer.Ordinal);
    private readonly Thread _thread;
    private volatile bool _stop;
    private int _monitorCount;

    // Gate thread only.
    private readonly ClientKeys _clients;
    private readonly Dictionary<string, long> _sinceReport = new(StringComparer.Ordinal);
    private string? _lastRefusedPeer;
    private long _connections; // open on every CURVE socket, as their monitors tell (gate thread only)
    private DateTimeOffset _nextReport = DateTimeOffset.UtcNow + s_reportInterval;

    /// <exception cref="PluginConfigurationException">libzmq cannot be loaded, or the clients file cannot be read.</exception>
    public CurveGate(CurveConfig config, ILogger logger)
    {
        if (!Libzmq.IsAvailable)
        {
            throw new PluginConfigurationException($"{config.Source}:{config.Line}: curve: needs the native ZeroMQ library, which cannot be loaded: install it (Debian: apt-get install libzmq5)");
        }

        _config = config;
        _logger = logger;
        _clients = new ClientKeys(config.ClientsFile);
        if (_clients.Reload() is { } problem)
        {
            throw new PluginConfigurationException($"{config.Source}:{config.Line}: curve: clients: {problem}");
        }

        _context = Libzmq.zmq_ctx_new();
        _zap = new ZmqSocket(_context, Libzmq.Rep);
        _zap.Bind("inproc://zeromq.zap.01"); // before any CURVE socket: libzmq asks this handler about every client
        _thread = new Thread(Run) { IsBackground = true, Name = "distlogd-curve" };
        _thread.Start();
    }

    /// <summary>The client keys let in now.</summary>
    public int ClientCount => _clients.Count;

    /// <summary>Connections refused, by reason, since start.</summary>
    public IReadOnlyDictionary<string, long> Refused => _refused.ToDictionary(StringComparer.Ordinal);

    /// <summary>A CURVE server socket of <paramref name="type"/> in this gate's context. Its owner binds, uses and
    /// disposes it (before this gate).</summary>
    public ZmqSocket CreateServer(int type, bool readsUser = false)
    {
        var socket = new ZmqSocket(_context, type) { ReadsUser = readsUser };
        try
        {
            socket.Set(Libzmq.OptionCurveServer, 1);
            socket.Set(Libzmq.OptionCurveSecretKey, _config.SecretKey);
            socket.Set(Libzmq.OptionZapDomain, Encoding.ASCII.GetBytes(Domain));
            string monitor = $"inproc://distlogd-handshakes-{Interlocked.Increment(ref _monitorCount)}";
            if (Libzmq.zmq_socket_monitor(socket.Handle, monitor, Accepted | Disconnected | HandshakeFailedNoDetail | HandshakeFailedProtocol) != 0)
            {
                throw Libzmq.Failure("watching handshakes");
            }

            _newMonitors.Enqueue(monitor);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>A socket of this gate's context without CURVE, for inproc use only (a wake-up pair, say).</summary>
    public ZmqSocket CreateInternal(int type) => new(_context, type);

    /// <summary>Stops the gate; every socket made by <see cref="CreateServer"/> must be disposed first.</summary>
    public void Dispose()
    {
        _stop = true;
        _thread.Join();
        _zap.Dispose();
        while (Libzmq.zmq_ctx_term(_context) != 0 && Libzmq.zmq_errno() == Libzmq.Interrupted)
        {
        }
    }

    // ---- gate thread ----

    private unsafe void Run()
    {
        var monitors = new List<ZmqSocket>();
        var items = new List<Libzmq.PollItem> { new() { Socket = _zap.Handle, Events = Libzmq.PollIn } };
        var frames = new List<byte[]>(8);
        try
        {
            while (!_stop)
            {
                while (_newMonitors.TryDequeue(out string? address))
                {
                    var pair = new ZmqSocket(_context, Libzmq.Pair);
                    pair.Connect(address);
                    monitors.Add(pair);
                    items.Add(new Libzmq.PollItem { Socket = pair.Handle, Events = Libzmq.PollIn });
                }

                int ready;
                fixed (Libzmq.PollItem* polled = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(items))
                {
                    ready = ZmqSocket.Poll(polled, items.Count, TimeSpan.FromMilliseconds(200));
                }

                if (ready > 0)
                {
                    while (_zap.TryReceive(TimeSpan.Zero, frames))
                    {
                        _zap.TrySend(Answer(frames));
                        frames.Clear();
                    }

                    foreach (var monitor in monitors)
                    {
                        while (monitor.TryReceive(TimeSpan.Zero, frames))
                        {
                            Monitored(frames);
                            frames.Clear();
                        }
                    }
                }

                Report(force: false);
            }
        }
        catch (Exception ex)
        {
            LogStopped(_logger, ex.Message);
        }
        finally
        {
            Report(force: true);
            monitors.ForEach(m => m.Dispose());
        }
    }

    /// <summary>The ZAP reply to one request: 200 for a client key of the clients file, else 400.</summary>
    private byte[][] Answer(List<byte[]> request)
    {
        byte[] id = request.Count > 1 ? request[1] : [];
        if (request.Count < 6 || Encoding.ASCII.GetString(request[0]) != "1.0")
        {
            return Reply(id, "500", "not a ZAP request", string.Empty);
        }

        string address = Encoding.ASCII.GetString(request[3]);
        string mechanism = Encoding.ASCII.GetString(request[5]);
        if (mechanism != "CURVE" || request.Count < 7 || request[6].Length != 32)
        {
            Refuse("not CURVE", "from " + address);
            return Reply(id, "400", "CURVE only", string.Empty);
        }

        if (_clients.Reload() is { } problem)
        {
            LogClientsUnreadable(_logger, problem);
        }

        if (_clients.NameOf(request[6]) is not { } name)
        {
            Refuse("not in clients", "from " + address);
            return Reply(id, "400", "key not allowed", string.Empty);
        }

        if (_connections > _config.MaxConnections) // this one is counted already: libzmq asks once it accepted it
        {
            Refuse("over max_connections", "from " + address);
            return Reply(id, "400", "too many connections", string.Empty);
        }

        return Reply(id, "200", "OK", name);
    }

    private static byte[][] Reply(byte[] id, string status, string text, string user) =>
        [Encoding.ASCII.GetBytes("1.0"), id, Encoding.ASCII.GetBytes(status), Encoding.UTF8.GetBytes(text), Encoding.UTF8.GetBytes(user), []];

    /// <summary>A connection opened or closed, or a handshake that failed before ZAP was asked: not CURVE at all, or
    /// not made with our public key.</summary>
    private void Monitored(List<byte[]> frames)
    {
        if (frames.Count < 2 || frames[0].Length < 6)
        {
            return;
        }

        int value = BitConverter.ToInt32(frames[0], 2);
        switch (BitConverter.ToUInt16(frames[0], 0))
        {
            case Accepted:
                _connections++;
                return;
            case Disconnected:
                _connections--;
                return;
        }

        string reason = value switch
        {
            MechanismMismatch => "not CURVE (plain ZMTP)",
            Cryptographic => "wrong server key",
            _ => $"failed handshake (libzmq error 0x{value:x})",
        };
        Refuse(reason, "at " + Encoding.UTF8.GetString(frames[1]));
    }

    private void Refuse(string reason, string peer)
    {
        _refused.AddOrUpdate(reason, 1, static (_, n) => n + 1);
        _sinceReport[reason] = _sinceReport.GetValueOrDefault(reason) + 1;
        _lastRefusedPeer = peer;
    }

    private void Report(bool force)
    {
        var now = DateTimeOffset.UtcNow;
        if (_sinceReport.Count == 0 || (!force && now < _nextReport))
        {
            return;
        }

        LogRefused(_logger, _sinceReport.Values.Sum(), string.Join(", ", _sinceReport.Select(r => $"{r.Value} {r.Key}")), _lastRefusedPeer ?? "?");
        _sinceReport.Clear();
        _nextReport = now + s_reportInterval;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "CURVE refused {Count} connection(s) since the last report: {Reasons} (the last {Peer}); nothing they sent was read")]
    private static partial void LogRefused(ILogger logger, long count, string reasons, string peer);

    [LoggerMessage(Level = LogLevel.Warning, Message = "curve: clients: {Problem}; the keys read before stay in force")]
    private static partial void LogClientsUnreadable(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Error, Message = "the CURVE gate stopped: {Reason}; no more clients are let in")]
    private static partial void LogStopped(ILogger logger, string reason);
}
