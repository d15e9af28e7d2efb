using System.Buffers;
using System.Text;
using Distlog.Plugins;
using Distlog.Protocol;
using NetMQ;
using NetMQ.Sockets;

namespace Distlog.Daemon.Plugins;

/// <summary>
/// <c>type: publish</c> — re-publishes every record it takes on a ZeroMQ PUB socket as <c>[topic, record]</c>. The
/// topic is <c>{system}.{LEVELNAME}.{logger name}</c> (<c>P.ERROR.Orders.Api</c>), so a subscriber filters by prefix:
/// <c>P.</c> production, <c>P.ERROR.</c> its errors, <c>P.INFO.Orders.</c> one component's information records.
/// </summary>
/// <remarks>Settings: <c>endpoint</c> (required; the PUB socket binds it), <c>encoding</c> (<c>json</c>, the
/// default, or <c>msgpack</c>), <c>hwm</c> (messages held per subscriber, default 10000). ZeroMQ drops what a slow
/// subscriber cannot take beyond its high-water mark, so no subscriber ever slows the daemon. Called by one worker
/// at a time, which is the only user of the socket.</remarks>
internal sealed class PublishPlugin : IDistlogPlugin
{
    private readonly PublisherSocket? _socket;
    private readonly Security.ZmqSocket? _curveSocket;
    private readonly IRecordCodec _codec;
    private readonly ArrayBufferWriter<byte> _body = new(4096);
    private readonly StringBuilder _topic = new(64);

    /// <param name="settings">The plugin's settings.</param>
    /// <param name="curve">Makes the socket a CURVE one, that lets in only the gate's clients; null: plain.</param>
    public PublishPlugin(PluginSettings settings, Security.CurveGate? curve = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        string endpoint = settings.GetRequiredString("endpoint");
        _codec = settings.GetString("encoding", "json") switch
        {
            "json" => JsonRecordCodec.Default,
            "msgpack" or "messagepack" => MessagePackRecordCodec.Default,
            var other => throw settings.Error("encoding", $"'encoding' must be json or msgpack, got '{other}'"),
        };
        int hwm = (int)Math.Clamp(settings.GetInt64("hwm", 10_000), 1, 10_000_000);
        if (curve is not null)
        {
            _curveSocket = curve.CreateServer(Native.Libzmq.Pub);
            try
            {
                _curveSocket.Set(Native.Libzmq.OptionSendHighWatermark, hwm);
                Endpoint = _curveSocket.Bind(endpoint);
                return;
            }
            catch (Exception ex)
            {
                _curveSocket.Dispose();
                throw settings.Error("endpoint", $"cannot bind '{endpoint}': {ex.Message}");
            }
        }

        _socket = new PublisherSocket();
        try
        {
            _socket.Options.SendHighWatermark = hwm;
            _socket.Options.Linger = TimeSpan.Zero;
            if (endpoint.StartsWith("tcp://", StringComparison.Ordinal) && (endpoint.EndsWith(":*", StringComparison.Ordinal) || endpoint.EndsWith(":0", StringComparison.Ordinal)))
            {
                string host = endpoint[6..endpoint.LastIndexOf(':')];
                endpoint = $"tcp://{host}:{_socket.BindRandomPort("tcp://" + host)}";
            }
            else
            {
                _socket.Bind(endpoint);
            }
        }
        catch (Exception ex)
        {
            _socket.Dispose();
            throw settings.Error("endpoint", $"cannot bind '{endpoint}': {ex.Message}");
        }

        Endpoint = endpoint;
    }

    public string Endpoint { get; }

    public string? Target => Endpoint;

    /// <summary>The topic a record is published under.</summary>
    public static string TopicOf(ReceivedRecord received)
    {
        ArgumentNullException.ThrowIfNull(received);
        var r = received.Summary;
        return $"{received.System}.{r.LevelName ?? Levels.NameOf(r.LevelNo)}.{r.Name}";
    }

    public Task HandleAsync(IReadOnlyList<ReceivedRecord> batch, CancellationToken cancellationToken)
    {
        foreach (var received in batch)
        {
            var r = received.Summary;
            _topic.Clear().Append(received.System).Append('.').Append(r.LevelName ?? Levels.NameOf(r.LevelNo)).Append('.').Append(r.Name);
            ReadOnlySpan<byte> body;
            if (received.Encoding == _codec.Encoding && !received.Body.IsEmpty)
            {
                // Received in the encoding published: passed on as it came, never decoded.
                body = received.Body.Span;
            }
            else
            {
                _body.ResetWrittenCount();
                _codec.Encode(received.Record, _body);
                body = _body.WrittenSpan;
            }

            // A PUB socket never blocks: past a subscriber's high-water mark ZeroMQ drops for that subscriber.
            if (_curveSocket is not null)
            {
                _curveSocket.TrySend([Encoding.UTF8.GetBytes(_topic.ToString()), body.ToArray()]);
            }
            else
            {
                _socket!.SendMoreFrame(_topic.ToString()).SendFrame(body.ToArray());
            }
        }

        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        _socket?.Dispose();
        _curveSocket?.Dispose();
        return ValueTask.CompletedTask;
    }
}
