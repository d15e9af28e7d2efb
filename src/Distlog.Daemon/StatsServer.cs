using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using NetMQ;
using NetMQ.Sockets;

namespace Distlog.Daemon;

/// <summary>
/// Answers <c>distlogd stats</c>: a ZeroMQ REP socket on <c>stats_endpoint</c> (loopback port 5012 by default) that
/// replies to any request with the daemon's counters as JSON.
/// </summary>
/// <remarks>Owns its socket on its own thread. A failure to bind is reported and leaves the daemon running.</remarks>
internal sealed partial class StatsServer : IDisposable
{
    private readonly Thread _thread;
    private readonly Func<string> _snapshot;
    private readonly TaskCompletionSource<string?> _bound = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string _endpoint;
    private readonly ILogger _logger;
    private readonly Security.CurveGate? _curve;
    private volatile bool _stop;

    public StatsServer(string endpoint, Func<string> snapshot, ILogger logger, Security.CurveGate? curve = null)
    {
        _curve = curve;
        _endpoint = endpoint;
        _snapshot = snapshot;
        _logger = logger;
        _thread = new Thread(Run) { IsBackground = true, Name = "distlogd-stats" };
    }

    /// <summary>Binds and starts answering; the bound endpoint, or null when binding failed.</summary>
    public Task<string?> StartAsync()
    {
        _thread.Start();
        return _bound.Task;
    }

    public void Dispose()
    {
        _stop = true;
        if (_thread.IsAlive)
        {
            _thread.Join();
        }
    }

    /// <summary>Asks a running daemon for its counters; <paramref name="secure"/> makes the socket a CURVE client.</summary>
    public static string? Query(string endpoint, TimeSpan timeout, Action<NetMQSocket>? secure = null)
    {
        using var request = new RequestSocket();
        request.Options.Linger = TimeSpan.Zero;
        secure?.Invoke(request);
        request.Connect(endpoint);
        request.SendFrame("stats");
        return request.TryReceiveFrameString(timeout, out string? reply) ? reply : null;
    }

    public static string ToJson(Pipeline.DaemonStatistics s) => JsonSerializer.Serialize(new
    {
        messages = s.Messages,
        records = s.Records,
        rejected = s.Rejected.ToDictionary(p => p.Key.ToString(), p => p.Value),
        acknowledged = s.Acknowledged,
        duplicates = s.Duplicates,
        replayed = s.Replayed,
        journal_bytes = s.JournalBytes,
        journal_age_seconds = s.JournalAgeSeconds,
        journal_refused = s.JournalRefused,
        journal_expired = s.JournalExpired,
        curve_refused = s.CurveRefused,
        rate_limited = s.RateLimited,
        plugins = s.Plugins.Select(p => new
        {
            name = p.Name, type = p.Type, matched = p.Matched, handled = p.Handled, failed = p.Failed,
            dropped = p.Dropped, retries = p.Retries, queue = p.QueueDepth, batches = p.Batches, fell_behind = p.FellBehind,
            lag = p.LagRecords, lag_seconds = p.LagSeconds,
        }),
    });

    private void Run()
    {
        if (_curve is not null)
        {
            RunCurve(_curve);
            return;
        }

        using var socket = new ResponseSocket();
        socket.Options.Linger = TimeSpan.Zero;
        string endpoint = _endpoint;
        try
        {
            if (endpoint.StartsWith("tcp://", StringComparison.Ordinal) && endpoint.EndsWith(":*", StringComparison.Ordinal))
            {
                string host = endpoint[6..endpoint.LastIndexOf(':')];
                endpoint = $"tcp://{host}:{socket.BindRandomPort("tcp://" + host)}";
            }
            else
            {
                socket.Bind(endpoint);
            }
        }
        catch (Exception ex)
        {
            LogBindFailed(_logger, _endpoint, ex.Message);
            _bound.TrySetResult(null);
            return;
        }

        _bound.TrySetResult(endpoint);
        while (!_stop)
        {
            if (socket.TryReceiveFrameString(TimeSpan.FromMilliseconds(100), out _))
            {
                socket.SendFrame(Reply());
            }
        }
    }

    private void RunCurve(Security.CurveGate gate)
    {
        using var socket = gate.CreateServer(Native.Libzmq.Rep);
        try
        {
            _bound.TrySetResult(socket.Bind(_endpoint));
        }
        catch (Security.BindFailedException ex)
        {
            LogBindFailed(_logger, _endpoint, ex.Message);
            _bound.TrySetResult(null);
            return;
        }

        var request = new List<byte[]>(1);
        while (!_stop)
        {
            if (socket.TryReceive(TimeSpan.FromMilliseconds(100), request))
            {
                request.Clear();
                socket.TrySend([Encoding.UTF8.GetBytes(Reply())]);
            }
        }
    }

    private string Reply()
    {
        try
        {
            return _snapshot();
        }
        catch (Exception ex)
        {
            return JsonSerializer.Serialize(new { error = ex.Message });
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "the stats endpoint {Endpoint} could not be bound ({Reason}); 'distlogd stats' will not answer")]
    private static partial void LogBindFailed(ILogger logger, string endpoint, string reason);
}
