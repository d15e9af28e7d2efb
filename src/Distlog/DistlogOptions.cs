using Distlog.Protocol;

namespace Distlog;

/// <summary>Settings of the distlog provider; bound from <c>Logging:Distlog</c> in configuration.</summary>
public sealed class DistlogOptions
{
    /// <summary>The default endpoint, where distlogd listens out of the box.</summary>
    public const string DefaultEndpoint = "tcp://localhost:5010";

    /// <summary>ZeroMQ endpoint of the daemon; the provider's PUSH socket connects to it. Default <c>tcp://localhost:5010</c>.</summary>
    public string Endpoint { get; set; } = DefaultEndpoint;

    /// <summary>distlogd's control endpoint, where the provider keeps its session: it says who it is, and receives
    /// the central level rules. Default (null): the <see cref="Endpoint"/>'s host with port 5011. <c>off</c>: no
    /// session, and no central level rules.</summary>
    public string? ControlEndpoint { get; set; }

    /// <summary>With a session (<see cref="ControlEndpoint"/>), every message waits for distlogd's acknowledgement
    /// — it is in distlogd's journal — and is sent again after a reconnect; this many bytes of messages may wait
    /// (default 16 MiB). Past it nothing more is sent until distlogd acknowledges: records wait in the queue, where
    /// <see cref="Overflow"/> applies (block, or drop and count).</summary>
    public long MaxUnacknowledgedBytes { get; set; } = 16L * 1024 * 1024;

    /// <summary>A private directory (made with mode 0700) where every record is written by the log call itself until
    /// distlogd acknowledges it, so that what a process logged before it was killed is sent by the next run of the
    /// service on the same spool. Default null: no spool. Needs a session (<see cref="ControlEndpoint"/>): without
    /// acknowledgements nothing would ever leave it. One process at a time uses a spool.</summary>
    public string? Spool { get; set; }

    /// <summary>The most bytes the <see cref="Spool"/>'s files hold (default 256 MiB); a record that does not fit is
    /// sent unspooled, and a crash would lose it (reported through <see cref="SelfLog"/>).</summary>
    public long SpoolMaxBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>CURVE keys, for a distlogd that encrypts and authenticates its sockets (its <c>curve:</c>). Default:
    /// none, plain sockets.</summary>
    public DistlogCurveOptions Curve { get; set; } = new();

    /// <summary>Following HTTP requests across services with no code: see <see cref="DistlogHttpOptions"/>.</summary>
    public DistlogHttpOptions Http { get; set; } = new();

    /// <summary>Which providers obey the central level rules. Default <see cref="LevelRuleScope.AllProviders"/>.</summary>
    public LevelRuleScope LevelRules { get; set; } = LevelRuleScope.AllProviders;

    /// <summary>The ZeroMQ implementation that sends. Default <see cref="DistlogTransport.Auto"/>: libzmq when it
    /// loads, else NetMQ.</summary>
    public DistlogTransport Transport { get; set; } = DistlogTransport.Auto;

    /// <summary>Wire encoding. Default <see cref="DistlogEncoding.Json"/>, which the original Python daemon reads too.</summary>
    public DistlogEncoding Encoding { get; set; } = DistlogEncoding.Json;

    /// <summary>The topic's system byte: <see cref="DistlogSystem.Production"/> (<c>P</c>, the default),
    /// <see cref="DistlogSystem.Staging"/> (<c>S</c>) or <see cref="DistlogSystem.Test"/> (<c>T</c>); in configuration
    /// by name (<c>"System": "Staging"</c>).</summary>
    public DistlogSystem System { get; set; } = DistlogSystem.Production;

    /// <summary>Name of this service, sent with every record (<c>service</c>); default: the entry assembly's name.</summary>
    public string? ServiceName { get; set; }

    /// <summary>How many records may wait to be sent. Default 65536: a burst of that many is kept whole.</summary>
    /// <remarks>Under sustained overload (the application logging faster than the sender, with
    /// <see cref="OverflowPolicy.Block"/>) a full queue means every record waits long enough to outlive the
    /// application's young GC generation: the throughput harness sends about a fifth faster with 8192.</remarks>
    public int QueueCapacity { get; set; } = 65_536;

    /// <summary>What a log call does when the queue is full. Default <see cref="OverflowPolicy.DropNewest"/>.</summary>
    public OverflowPolicy Overflow { get; set; } = OverflowPolicy.DropNewest;

    /// <summary>With <see cref="OverflowPolicy.Block"/>, the longest a log call waits for room. Default 1 second.</summary>
    public TimeSpan BlockTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest <c>Dispose</c> spends delivering what is queued. Default 5 seconds.</summary>
    public TimeSpan FlushTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Records waiting together are sent as one batch message up to this many bytes. Default 32 KiB;
    /// 0 sends one record per message, as the original does.</summary>
    public int MaxBatchBytes { get; set; } = 32 * 1024;

    /// <summary>A record that encodes larger than this is sent without its structured data and with its message cut. Default 1 MiB.</summary>
    public int MaxRecordBytes { get; set; } = 1024 * 1024;

    /// <summary>Messages the ZeroMQ socket holds while the daemon is away, before the queue starts to fill. Default 256.</summary>
    public int SendHighWatermark { get; set; } = 256;

    /// <summary>Limits on the values a record carries (depth, items, string length).</summary>
    public RecordEncoderOptions Limits { get; set; } = RecordEncoderOptions.Default;

    /// <summary>Where the provider reports its own trouble (unreachable endpoint, drops, encoding failures): once per kind
    /// of trouble a minute. Default: standard error. Never called on the logging thread's fast path.</summary>
    public Action<string>? SelfLog { get; set; } = static message => Console.Error.WriteLine(message);

    /// <summary>Time source for record timestamps. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
