using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Distlog.Plugins;
using Distlog.Protocol;
using Distlog.Protocol.Control;
using Distlog.Viewer;
using Microsoft.Extensions.Logging;
using NetMQ;
using NetMQ.Sockets;

namespace Distlog.Daemon.Control;

/// <summary>
/// distlogd's end of the clients' sessions (docs/protocol.md): a ROUTER socket on every <c>control</c> endpoint.
/// It keeps the list of live sessions (who, since when, records per second), holds the level rules
/// (<see cref="LevelRuleBook"/>), sends each client a snapshot when it says HELLO and every change as a numbered
/// update, ends rules on time, and logs every change as a record of the logger <c>Distlog.Levels</c>.
/// </summary>
/// <remarks>One thread (a NetMQ poller) owns the socket, the sessions and the rule book; the HTTP API's calls are
/// queued to it. <see cref="Rules"/> and <see cref="Components"/> are immutable copies it publishes. A message that
/// is not of the protocol is counted, reported at most once a minute, and ignored.</remarks>
internal sealed partial class ControlServer : ILevelControl, IDisposable
{
    /// <summary>A session that says nothing for this long is gone (the client beats every second).</summary>
    public static readonly TimeSpan SessionTimeout = TimeSpan.FromSeconds(5);

    private const int MaxSessions = 10_000;
    private static readonly TimeSpan s_reportInterval = TimeSpan.FromMinutes(1);
    private static readonly byte[] s_header = Encoding.ASCII.GetBytes(ControlMessage.Header);

    private readonly IReadOnlyList<string> _endpoints;
    private readonly LevelRuleBook _book;
    private readonly Action<ReceivedRecord> _announce;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly RouterSocket? _socket;
    private readonly Security.CurveRouter? _curve;
    private readonly NetMQQueue<Action> _commands = new();
    private readonly NetMQTimer _sweep = new(TimeSpan.FromMilliseconds(250));
    private readonly NetMQPoller _poller;
    private readonly Dictionary<string, Session> _sessions = new(StringComparer.Ordinal); // control thread only
    private IReadOnlyList<ComponentInfo> _components = [];
    private bool _componentsDirty; // control thread only
    private DateTimeOffset _lastBadReport; // control thread only
    private long _badMessages;

    public ControlServer(IReadOnlyList<string> endpoints, string? levelsFile, Action<ReceivedRecord> announce, ILogger logger, TimeProvider? time = null, Security.CurveGate? curve = null /* CURVE endpoints, letting in only its clients */)
    {
        _endpoints = endpoints;
        _book = new LevelRuleBook(levelsFile);
        _announce = announce;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _poller = [_commands, _sweep];
        if (curve is not null)
        {
            // libzmq's socket has a thread of its own; what it receives is handled on the control thread.
            _curve = new Security.CurveRouter(curve, ControlMessage.MaxBytes + 1024, frames => _commands.Enqueue(() => Guarded(() => Handle(frames))));
        }
        else
        {
            _socket = new RouterSocket();
            _socket.Options.Linger = TimeSpan.FromMilliseconds(100);
            _socket.Options.SendHighWatermark = 1000;
            _socket.Options.MaxMsgSize = ControlMessage.MaxBytes + 1024;
            // An exception must not leave a handler: it would end the poller's thread, and the process with it.
            _socket.ReceiveReady += (_, _) => Guarded(Receive);
            _poller.Add(_socket);
        }

        _commands.ReceiveReady += (_, e) => Guarded(() =>
        {
            while (e.Queue.TryDequeue(out var command, TimeSpan.Zero))
            {
                command();
            }
        });
        _sweep.Elapsed += (_, _) => Guarded(Sweep);
    }

    /// <summary>The endpoints bound, once started.</summary>
    public IReadOnlyList<string> Endpoints { get; private set; } = [];

    /// <summary>The daemon's delivery counters, for the components page.</summary>
    public Func<IReadOnlyDictionary<string, long>> CountersSource { get; init; } = () => new Dictionary<string, long>();

    public IReadOnlyDictionary<string, long> Counters => CountersSource();

    /// <summary>The daemon's record endpoints (its <c>listen</c>, as bound), told to clients in their snapshot.</summary>
    public Func<IReadOnlyList<string>> Listening { get; init; } = () => [];

    public IReadOnlyList<LevelRule> Rules => _book.Rules;

    public IReadOnlyList<ComponentInfo> Components => Volatile.Read(ref _components);

    /// <summary>Control messages ignored because they were not of the protocol.</summary>
    public long BadMessages => Interlocked.Read(ref _badMessages);

    /// <summary>Reads the kept rules, binds every endpoint and starts the control thread.</summary>
    /// <exception cref="PluginConfigurationException">An endpoint cannot be bound (in use, say): one line saying which.</exception>
    public IReadOnlyList<string> Start()
    {
        if (_book.Load(_time.GetUtcNow()) is { } problem)
        {
            LogProblem(_logger, problem);
        }

        var bound = new List<string>();
        foreach (string endpoint in _endpoints)
        {
            try
            {
                bound.Add(Bind(endpoint));
            }
            catch (Exception ex) when (ex is NetMQException or SocketException or ArgumentException or Security.BindFailedException)
            {
                throw new PluginConfigurationException(ex is AddressAlreadyInUseException or Security.BindFailedException { InUse: true }
                    ? $"control endpoint {endpoint} is in use — is another distlogd running? (set control: to another endpoint, or off)"
                    : $"control endpoint {endpoint} cannot be bound: {ex.Message}");
            }
        }

        Endpoints = bound;
        _poller.RunAsync("distlogd-control");
        _curve?.Start();
        return bound;
    }

    public Task<LevelRule> SetAsync(LevelRuleRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var rule = request.ToRule(NewId(), _time.GetUtcNow()); // a mistake is the caller's FormatException, here
        return Run(() =>
        {
            _book.Set(rule);
            Changed(w => { w.WritePropertyName("set"); ControlMessage.WriteRule(w, rule, _time.GetUtcNow()); });
            Announce("set", rule, rule.SetBy);
            return rule;
        });
    }

    public Task<int> ClearAsync(string? id, string? by, CancellationToken cancellationToken) => Run(() =>
    {
        var cleared = _book.Rules.Where(r => id is null || r.Id == id).ToList();
        if (cleared.Count == 0 || !_book.Remove(cleared.Select(r => r.Id).ToHashSet()))
        {
            return 0;
        }

        Changed(w => WriteIds(w, cleared));
        foreach (var rule in cleared)
        {
            Announce("cleared", rule, by);
        }

        return cleared.Count;
    });

    /// <summary>Tells a client that distlogd holds these messages of it (its session's identity is its instance id).
    /// Any thread.</summary>
    public void Acknowledge(string instance, IReadOnlyList<long> sequences)
    {
        byte[] identity = System.Text.Encoding.ASCII.GetBytes(instance);
        byte[] body = ControlMessage.Body(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("seqs");
            foreach (long sequence in sequences)
            {
                w.WriteNumberValue(sequence);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });
        _commands.Enqueue(() => Send(identity, ControlMessage.Ack, body));
    }

    public void Dispose()
    {
        if (_poller.IsRunning)
        {
            _poller.Stop();
        }

        _poller.Dispose();
        _curve?.Dispose();
        _socket?.Dispose();
        _commands.Dispose();
    }

    private string Bind(string endpoint)
    {
        if (_curve is not null)
        {
            return _curve.Bind(endpoint);
        }

        ArgumentNullException.ThrowIfNull(_socket);
        if (endpoint.StartsWith("tcp://", StringComparison.Ordinal) && (endpoint.EndsWith(":*", StringComparison.Ordinal) || endpoint.EndsWith(":0", StringComparison.Ordinal)))
        {
            string host = endpoint[6..endpoint.LastIndexOf(':')];
            return $"tcp://{host}:{_socket.BindRandomPort("tcp://" + host)}";
        }

        _socket.Bind(endpoint);
        return endpoint;
    }

    private Task<T> Run<T>(Func<T> action)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_poller.IsRunning)
        {
            done.SetException(new InvalidOperationException("distlogd's control is not running"));
            return done.Task;
        }

        _commands.Enqueue(() =>
        {
            try
            {
                done.SetResult(action());
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        });
        return done.Task;
    }

    // ---- control thread ----

    private void Receive()
    {
        var frames = new List<byte[]>(4);
        while (_socket!.TryReceiveMultipartBytes(TimeSpan.Zero, ref frames!, 4))
        {
            Handle(frames);
            frames.Clear();
        }
    }

    /// <summary>One message of a client: its identity (a ROUTER always puts the peer's first), then its frames.</summary>
    private void Handle(List<byte[]> frames)
    {
        byte[] identity = frames[0];
        frames.RemoveAt(0);
        string key = Convert.ToHexString(identity);
        if (!ControlMessage.TryRead(frames, out string verb, out var body, out string? error))
        {
            Bad(error!, key);
            return;
        }

        var now = _time.GetUtcNow();
        switch (verb)
        {
            case ControlMessage.Hello:
            {
                SessionIdentity who;
                try
                {
                    who = SessionIdentity.Read(body);
                }
                catch (FormatException ex)
                {
                    Bad(ex.Message, key);
                    return;
                }

                if (!_sessions.TryGetValue(key, out var session))
                {
                    if (_sessions.Count >= MaxSessions)
                    {
                        Bad($"more than {MaxSessions} sessions; this one is refused", key);
                        return;
                    }

                    session = new Session(identity, who, now);
                    _sessions[key] = session;
                }

                session.Identity = who;
                session.LastSeen = now;
                _componentsDirty = true;
                Send(identity, ControlMessage.Snapshot, ControlMessage.Body(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("epoch", _book.Epoch);
                    w.WriteNumber("version", _book.Version);

                    // Where records are taken: a client acknowledged here sends its records here.
                    w.WriteStartArray("listen");
                    foreach (string endpoint in Listening())
                    {
                        w.WriteStringValue(endpoint);
                    }

                    w.WriteEndArray();
                    w.WriteStartArray("rules");
                    foreach (var rule in _book.Rules)
                    {
                        ControlMessage.WriteRule(w, rule, now);
                    }

                    w.WriteEndArray();
                    w.WriteEndObject();
                }));
                break;
            }

            case ControlMessage.Ping:
                if (!_sessions.TryGetValue(key, out var known))
                {
                    Send(identity, ControlMessage.Who, null); // a daemon that restarted asks who it is
                    return;
                }

                known.Beat(ControlMessage.Number(body, "sent"), ControlMessage.Number(body, "dropped"), now);
                _componentsDirty = true;
                Send(identity, ControlMessage.Pong, ControlMessage.Body(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("epoch", _book.Epoch);
                    w.WriteNumber("version", _book.Version);
                    w.WriteEndObject();
                }));
                break;
            case ControlMessage.Bye:
                _componentsDirty |= _sessions.Remove(key);
                break;
            default:
                Bad($"unknown verb '{verb}'", key);
                break;
        }
    }

    private void Sweep()
    {
        var now = _time.GetUtcNow();
        var expired = _book.Rules.Where(r => r.IsExpired(now)).ToList();
        if (expired.Count > 0 && _book.Remove(expired.Select(r => r.Id).ToHashSet()))
        {
            Changed(w => WriteIds(w, expired));
            foreach (var rule in expired)
            {
                Announce("expired", rule, null);
            }
        }

        foreach (var (key, session) in _sessions.Where(s => now - s.Value.LastSeen > SessionTimeout).ToList())
        {
            _sessions.Remove(key);
            _componentsDirty = true;
        }

        if (_componentsDirty)
        {
            _componentsDirty = false;
            var rules = _book.Rules;
            Volatile.Write(ref _components, _sessions.Values.OrderBy(s => s.ConnectedSince).Select(s => s.ToInfo(rules)).ToList());
        }
    }

    /// <summary>After a change of the rule book: keep it, and send every session the numbered update.</summary>
    private void Changed(Action<Utf8JsonWriter> change)
    {
        var now = _time.GetUtcNow();
        if (_book.Save(now) is { } problem)
        {
            LogProblem(_logger, problem);
        }

        byte[] update = ControlMessage.Body(w =>
        {
            w.WriteStartObject();
            w.WriteString("epoch", _book.Epoch);
            w.WriteNumber("version", _book.Version);
            change(w);
            w.WriteEndObject();
        });
        foreach (var session in _sessions.Values)
        {
            Send(session.RouterId, ControlMessage.Update, update);
        }

        _componentsDirty = true;
    }

    private static void WriteIds(Utf8JsonWriter w, IEnumerable<LevelRule> rules)
    {
        w.WriteStartArray("cleared");
        foreach (var rule in rules)
        {
            w.WriteStringValue(rule.Id);
        }

        w.WriteEndArray();
    }

    private void Send(byte[] identity, string verb, byte[]? body)
    {
        byte[][] frames = body is null ? [identity, s_header, Encoding.ASCII.GetBytes(verb)] : [identity, s_header, Encoding.ASCII.GetBytes(verb), body];
        if (_curve is not null)
        {
            _curve.Send(frames);
            return;
        }

        var message = new NetMQMessage(frames);
        _socket!.TrySendMultipartMessage(TimeSpan.Zero, message); // a client that does not read loses its copy, never slows us
    }

    /// <summary>Logs a change as a record of <c>Distlog.Levels</c>, through the daemon's own plugins.</summary>
    private void Announce(string what, LevelRule rule, string? by)
    {
        var now = _time.GetUtcNow();
        string selects = rule.Selects;
        string level = LevelRule.LevelName(rule.Level);
        string until = rule.ExpiresAt is { } end ? end.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "cleared";
        string who = by ?? rule.SetBy ?? "distlogd";
        string message = what switch
        {
            "set" => $"level rule {rule.Id} set by {who}: {level} for {selects} until {until}" + (rule.Reason is null ? string.Empty : $" ({rule.Reason})"),
            "cleared" => $"level rule {rule.Id} cleared by {who}: {level} for {selects}",
            _ => $"level rule {rule.Id} expired: {level} for {selects}",
        };
        long ticks = now.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        var record = new LogRecord
        {
            Name = "Distlog.Levels",
            LevelNo = Levels.Info,
            LevelName = Levels.NameOf(Levels.Info),
            Msg = message,
            Message = message,
            Args = new List<KeyValuePair<string, object?>>
            {
                new("change", what), new("rule", rule.Id), new("level", level), new("selects", selects),
                new("by", who), new("reason", rule.Reason), new("until", until),
            },
            Created = ticks / (double)TimeSpan.TicksPerSecond,
            Msecs = ticks % TimeSpan.TicksPerSecond / (double)TimeSpan.TicksPerMillisecond,
            AscTime = now.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss,fff", CultureInfo.InvariantCulture),
            Hostname = Environment.MachineName,
            Process = Environment.ProcessId,
            ProcessName = "distlogd",
            Service = "distlogd",
            ThreadName = "distlogd-control",
        };
        _announce(new ReceivedRecord('P', record, now));
    }

    private void Guarded(Action action)
    {
        try
        {
            action();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Bad($"{ex.GetType().Name}: {ex.Message}", null);
        }
    }

    private void Bad(string why, string? session)
    {
        long n = Interlocked.Increment(ref _badMessages);
        var now = _time.GetUtcNow();
        if (now - _lastBadReport >= s_reportInterval)
        {
            _lastBadReport = now;
            LogBad(_logger, session ?? "?", why, n);
        }
    }

    private static string NewId() => "r" + Guid.NewGuid().ToString("N")[..8];

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Problem}")]
    private static partial void LogProblem(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ignored a control message from session {Session}: {Why} [{Count} so far; reported at most once a minute]")]
    private static partial void LogBad(ILogger logger, string session, string why, long count);

    /// <summary>One client's session (control thread only).</summary>
    private sealed class Session(byte[] routerId, SessionIdentity identity, DateTimeOffset now)
    {
        private long _lastSent = -1;
        private DateTimeOffset _lastBeat = now;

        public byte[] RouterId { get; } = routerId;

        public SessionIdentity Identity { get; set; } = identity;

        public DateTimeOffset ConnectedSince { get; } = now;

        public DateTimeOffset LastSeen { get; set; } = now;

        public double RecordsPerSecond { get; private set; }

        public long Sent { get; private set; }

        public long Dropped { get; private set; }

        public void Beat(long sent, long dropped, DateTimeOffset now)
        {
            double seconds = (now - _lastBeat).TotalSeconds;
            if (_lastSent >= 0 && seconds > 0 && sent >= _lastSent)
            {
                RecordsPerSecond = (sent - _lastSent) / seconds;
            }

            _lastSent = sent;
            _lastBeat = now;
            Sent = sent;
            Dropped = dropped;
            LastSeen = now;
        }

        public ComponentInfo ToInfo(IReadOnlyList<LevelRule> rules) => new(
            Identity.Instance, Identity.Service, Identity.Host, Identity.Pid, Identity.ProcessName, Identity.Version, Identity.System,
            ConnectedSince, LastSeen, Math.Round(RecordsPerSecond, 1), Sent, Dropped,
            rules.Where(r => r.SelectsProcess(Identity.Service, Identity.Host, Identity.System)).Select(r => r.Id).ToList());
    }
}
