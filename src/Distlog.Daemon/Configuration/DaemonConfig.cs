namespace Distlog.Daemon.Configuration;

/// <summary>The daemon's configuration, from YAML or the embedded defaults.</summary>
internal sealed record DaemonConfig
{
    public const string DefaultListen = "tcp://127.0.0.1:5010";

    /// <summary>Where the configuration came from (a path, or <c>embedded defaults</c>).</summary>
    public string Source { get; init; } = "embedded defaults";

    public IReadOnlyList<string> Listen { get; init; } = [DefaultListen];

    /// <summary>With <see cref="Curve"/>: endpoints that stay unencrypted and take any peer (for the original
    /// Python clients); the startup summary says so.</summary>
    public IReadOnlyList<string> PlainListen { get; init; } = [];

    public int PlainListenLine { get; init; }

    /// <summary>Records per second per peer (<c>peer_limit:</c>); null = no limit.</summary>
    public PeerLimit? PeerLimit { get; init; }

    /// <summary>CURVE on every socket (<c>curve:</c>); null = plain ZeroMQ.</summary>
    public CurveConfig? Curve { get; init; }

    public const string DefaultControl = "tcp://127.0.0.1:5011";

    /// <summary>ROUTER endpoints of the clients' sessions (level rules, who is connected); empty = off.</summary>
    public IReadOnlyList<string> Control { get; init; } = [DefaultControl];

    /// <summary>Where the level rules are kept across restarts; null = not kept.</summary>
    public string? LevelsFile { get; init; }

    /// <summary>Whether <c>levels_file</c> was given (else it goes beside the data).</summary>
    public bool LevelsFileSet { get; init; }

    /// <summary>Where acknowledged messages are journaled before they are acknowledged; null = <c>journal: off</c>
    /// (they are then acknowledged on receipt).</summary>
    public JournalConfig? Journal { get; init; }

    /// <summary>Whether <c>journal</c> was given (else it goes beside the data).</summary>
    public bool JournalSet { get; init; }

    public int MaxMessageBytes { get; init; } = Protocol.MessageDecoder.DefaultMaxBodyBytes;

    public TimeSpan StatsInterval { get; init; } = TimeSpan.FromMinutes(1);

    public const string DefaultStatsEndpoint = "tcp://127.0.0.1:5012";

    /// <summary>Where <c>distlogd stats</c> asks; null turns the stats socket off.</summary>
    public string? StatsEndpoint { get; init; } = DefaultStatsEndpoint;

    /// <summary>Where the web viewer listens (<c>http://127.0.0.1:5080</c>; port 0 = a free one); null = no viewer.</summary>
    public string? Viewer { get; init; }

    /// <summary>The line of <c>viewer:</c>, for the error that a public viewer needs keys.</summary>
    public int ViewerLine { get; init; }

    /// <summary>With an <c>https://</c> viewer: its certificate (PEM, or PFX with its password in
    /// <c>Kestrel__Certificates__Default__Password</c>) and its key (PEM), as Kestrel's certificate settings take them.</summary>
    public string? ViewerCertificate { get; init; }

    public string? ViewerCertificateKey { get; init; }

    public int ViewerTlsLine { get; init; }

    /// <summary>Where the viewer links a task's W3C trace (<c>viewer_trace_url:</c>, holding <c>{trace_id}</c>): a
    /// tracing tool's page, Jaeger's or Tempo's; null: the trace id is shown, not linked.</summary>
    public string? ViewerTraceUrl { get; init; }

    /// <summary>Who may use the viewer and its API (<c>api_keys:</c>); none: open, and only on loopback.</summary>
    public IReadOnlyList<Viewer.ApiKey> ApiKeys { get; init; } = [];

    /// <summary>Host names the viewer answers to besides loopback and its own address (<c>viewer_hosts:</c>).</summary>
    public IReadOnlyList<string> ViewerHosts { get; init; } = [];

    /// <summary>Whether Python pickle bodies are decoded (by a restricted unpickler); off by default.</summary>
    public bool AcceptPickle { get; init; }

    public IReadOnlyList<PluginConfig> Plugins { get; init; } = [];
}
