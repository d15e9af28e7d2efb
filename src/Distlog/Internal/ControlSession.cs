using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using Distlog.Protocol;
using Distlog.Protocol.Control;
using NetMQ;
using NetMQ.Sockets;

namespace Distlog.Internal;

/// <summary>
/// The client's end of the session with distlogd (docs/protocol.md): a DEALER socket connected to the control
/// endpoint that says who this process is (HELLO), beats every second (PING, with the records sent so far), and
/// takes the level rules — a snapshot, then numbered updates — into <see cref="LevelRuleState"/>.
/// </summary>
/// <remarks>
/// One thread owns the socket, the session's state and all writes to the rule state. It also ends rules on time
/// by itself, so a rule reverts when its time is up even while distlogd is away. Bad messages are counted and
/// ignored; nothing here reaches a log call.
/// </remarks>
internal sealed class ControlSession : IDisposable
{
    /// <summary>How often the client beats; distlogd forgets a session after a few silent beats.</summary>
    public static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(1);

    // How often the session thread ends rules whose time is up and looks whether a beat is due.
    private static readonly TimeSpan s_tick = TimeSpan.FromMilliseconds(50);

    private static readonly string s_version = typeof(ControlSession).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0";

    private readonly string _endpoint;
    private readonly SessionIdentity _identity;
    private readonly LevelRuleState _state;
    private readonly Func<DistlogStatistics> _statistics;
    private readonly SelfLog _selfLog;
    private readonly AckInbox _acks;
    private readonly string _dataEndpoint;
    private readonly bool _controlConfigured;
    private readonly TimeProvider _time;
    private readonly DealerSocket _socket = new();
    private readonly NetMQTimer _tick = new(s_tick);
    private readonly NetMQPoller _poller;
    private long _badMessages;
    private int _joined;

    // Session thread only.
    private List<byte[]> _frames = new(3);
    private long _nextBeat;
    private string? _epoch;
    private long _version = -1;
    private List<LevelRule> _all = [];
    private long _lastHeard;

    public ControlSession(string endpoint, DistlogOptions options, LevelRuleState state, Func<DistlogStatistics> statistics, SelfLog selfLog, AckInbox acks, CurveKeys? curve = null)
    {
        _acks = acks;
        _dataEndpoint = options.Endpoint ?? string.Empty;
        _controlConfigured = !string.IsNullOrWhiteSpace(options.ControlEndpoint);
        _endpoint = endpoint;
        _state = state;
        _statistics = statistics;
        _selfLog = selfLog;
        _time = options.TimeProvider ?? TimeProvider.System;
        char system = Topic.IsValidSystem((char)options.System) ? (char)options.System : (char)Topic.SystemProduction;
        _identity = new SessionIdentity(acks.Instance, RecordSender.ServiceName(options), ProcessInfo.Hostname,
            ProcessInfo.ProcessId, ProcessInfo.ProcessName, s_version, system);
        _socket.Options.Identity = System.Text.Encoding.ASCII.GetBytes(_identity.Instance);
        curve?.Apply(_socket);
        _socket.Options.Linger = TimeSpan.FromMilliseconds(100);
        _socket.Options.SendHighWatermark = 4; // while distlogd is away, a few HELLOs wait for it, no more
        _socket.ReceiveReady += (_, _) => Receive();
        _tick.Elapsed += (_, _) =>
        {
            try
            {
                Tick();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Never out of the poller's thread: that would end the process.
                _selfLog.Report("session", $"the session with '{endpoint}' had trouble: {ex.GetType().Name}: {ex.Message}");
            }
        };
        _poller = [_socket, _tick];
        try
        {
            _socket.Connect(endpoint);
        }
        catch (Exception ex) when (ex is NetMQException or ArgumentException)
        {
            _selfLog.Report("session", $"no session with '{endpoint}': {ex.Message}; central level rules do not reach this process");
            return;
        }

        // HELLO at once, not at the first beat: records wait for the session to join before they are stamped. The
        // poller's thread has not started, so this thread may still use the socket.
        _nextBeat = Stopwatch.GetTimestamp() + (long)(Heartbeat.TotalSeconds * Stopwatch.Frequency);
        Beat(_socket);

        // A poller, not a receive with a timeout: NetMQ's timed receive on a DEALER can block until distlogd comes
        // back after it died, and the rules must still end on time meanwhile.
        _poller.RunAsync("distlog-session");
    }

    /// <summary>Whether distlogd answered within the last few beats.</summary>
    public bool IsJoined => Volatile.Read(ref _joined) != 0;

    /// <summary>The client's control endpoint for <paramref name="options"/>: <see cref="DistlogOptions.ControlEndpoint"/>,
    /// or the data endpoint's host with port 5011; null when off or not derivable (an ipc endpoint, say).</summary>
    public static string? EndpointFor(DistlogOptions options)
    {
        string? configured = options.ControlEndpoint?.Trim();
        if (string.Equals(configured, "off", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        if (!string.IsNullOrEmpty(configured))
        {
            return configured;
        }

        string endpoint = options.Endpoint ?? string.Empty;
        int colon = endpoint.LastIndexOf(':');
        return endpoint.StartsWith("tcp://", StringComparison.Ordinal) && colon > 6 ? endpoint[..colon] + ":5011" : null;
    }

    public void Dispose()
    {
        if (_poller.IsRunning)
        {
            _poller.Stop(); // waits for the session thread; the socket is this thread's from here on
            TrySend(_socket, ControlMessage.Bye, null);
        }

        _poller.Dispose();
        _socket.Dispose();
        _state.Withdraw();
    }

    private void Receive()
    {
        try
        {
            while (_socket.TryReceiveMultipartBytes(TimeSpan.Zero, ref _frames!, 4))
            {
                _lastHeard = Stopwatch.GetTimestamp();
                Handle(_socket, _frames);
                _frames.Clear();
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Bad($"{ex.GetType().Name}: {ex.Message}");
        }
    }

    /// <summary>Ends the rules whose time is up, here, whether distlogd is there or not; beats once a second.</summary>
    private void Tick()
    {
        _state.Sweep(_time.GetUtcNow());
        long now = Stopwatch.GetTimestamp();
        if (now >= _nextBeat)
        {
            _nextBeat = now + (long)(Heartbeat.TotalSeconds * Stopwatch.Frequency);
            Beat(_socket);
        }
    }

    private void Beat(DealerSocket socket)
    {
        if (IsJoined && Stopwatch.GetElapsedTime(_lastHeard) > Heartbeat * 3)
        {
            // distlogd went away: keep the rules (they still end on time), and say HELLO until it is back.
            Volatile.Write(ref _joined, 0);
        }

        if (!IsJoined)
        {
            TrySend(socket, ControlMessage.Hello, ControlMessage.Body(w =>
            {
                w.WriteStartObject();
                _identity.Write(w);
                w.WriteEndObject();
            }));
            return;
        }

        var s = _statistics();
        TrySend(socket, ControlMessage.Ping, ControlMessage.Body(w =>
        {
            w.WriteStartObject();
            w.WriteNumber("sent", s.Sent);
            w.WriteNumber("dropped", s.Dropped);
            w.WriteNumber("queue", s.QueueDepth);
            w.WriteEndObject();
        }));
    }

    private void Handle(DealerSocket socket, List<byte[]> frames)
    {
        if (!ControlMessage.TryRead(frames, out string verb, out var body, out string? error))
        {
            Bad(error!);
            return;
        }

        var now = _time.GetUtcNow();
        try
        {
            switch (verb)
            {
                case ControlMessage.Snapshot:
                    string epoch = ControlMessage.String(body, "epoch") ?? throw new FormatException("a snapshot without an epoch");
                    if (epoch != _epoch && TakesOurRecords(body))
                    {
                        _acks.Joined(); // a daemon new to this session: what it did not acknowledge goes again
                    }

                    _epoch = epoch;
                    _version = ControlMessage.Number(body, "version", -1);
                    _all = ControlMessage.ReadRules(body, now, relative: true);
                    Volatile.Write(ref _joined, 1);
                    Apply(now);
                    break;
                case ControlMessage.Update:
                    if (ControlMessage.String(body, "epoch") != _epoch || ControlMessage.Number(body, "version", -1) != _version + 1)
                    {
                        Resync(socket); // a gap, or another daemon: the Clone pattern's answer is a new snapshot
                        break;
                    }

                    _version++;
                    if (body.TryGetProperty("set", out var set))
                    {
                        var rule = ControlMessage.ReadRule(set, now, relative: true);
                        _all.RemoveAll(r => r.Id == rule.Id);
                        _all.Add(rule);
                    }

                    if (body.TryGetProperty("cleared", out var cleared) && cleared.ValueKind == JsonValueKind.Array)
                    {
                        var ids = cleared.EnumerateArray().Where(c => c.ValueKind == JsonValueKind.String).Select(c => c.GetString()).ToHashSet();
                        _all.RemoveAll(r => ids.Contains(r.Id));
                    }

                    Apply(now);
                    break;
                case ControlMessage.Pong:
                    if (ControlMessage.String(body, "epoch") != _epoch || ControlMessage.Number(body, "version", -1) != _version)
                    {
                        Resync(socket);
                    }

                    break;
                case ControlMessage.Ack:
                    _acks.Acknowledged(ReadSequences(body));
                    break;
                case ControlMessage.Who:
                    Resync(socket); // distlogd restarted and does not know this session
                    break;
                default:
                    Bad($"unknown verb '{verb}'");
                    break;
            }
        }
        catch (FormatException ex)
        {
            Bad(ex.Message);
        }
    }

    /// <summary>
    /// Whether the session's distlogd is the one the records go to, so that it can acknowledge them: it says where it
    /// listens, and the data endpoint's port must be among those. A control endpoint set by hand is trusted; a derived
    /// one (the data host, port 5011) may reach another distlogd on that host, and then records go at most once.
    /// </summary>
    private bool TakesOurRecords(JsonElement snapshot)
    {
        if (_controlConfigured || !snapshot.TryGetProperty("listen", out var listen) || listen.ValueKind != JsonValueKind.Array)
        {
            return true;
        }

        string port = _dataEndpoint[(_dataEndpoint.LastIndexOf(':') + 1)..];
        if (listen.EnumerateArray().Any(e => e.ValueKind == JsonValueKind.String && e.GetString()!.EndsWith(":" + port, StringComparison.Ordinal)))
        {
            return true;
        }

        _selfLog.Report("session-other", $"the distlogd at '{_endpoint}' does not take records at '{_dataEndpoint}'; records go at most once (set ControlEndpoint to the data daemon's control endpoint)");
        return false;
    }

    private static long[] ReadSequences(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty("seqs", out var seqs) || seqs.ValueKind != JsonValueKind.Array || seqs.GetArrayLength() > 1_000_000)
        {
            throw new FormatException("an ACK without a 'seqs' array");
        }

        return seqs.EnumerateArray().Select(s => s.ValueKind == JsonValueKind.Number && s.TryGetInt64(out long n) ? n : throw new FormatException("an ACK with a sequence that is no number")).ToArray();
    }

    private void Apply(DateTimeOffset now) =>
        _state.Replace(_all.Where(r => r.SelectsProcess(_identity.Service, _identity.Host, _identity.System)), now);

    private void Resync(DealerSocket socket)
    {
        Volatile.Write(ref _joined, 0);
        Beat(socket);
    }

    private void Bad(string why)
    {
        long n = Interlocked.Increment(ref _badMessages);
        _selfLog.Report("session-bad", $"ignored a control message from '{_endpoint}': {why} ({n} so far)");
    }

    private static void TrySend(DealerSocket socket, string verb, byte[]? body)
    {
        var message = new NetMQMessage(3);
        message.Append(ControlMessage.Header);
        message.Append(verb);
        if (body is not null)
        {
            message.Append(body);
        }

        socket.TrySendMultipartMessage(TimeSpan.Zero, message);
    }
}
