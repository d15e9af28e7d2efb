namespace Distlog.Daemon.Configuration;

/// <summary>The daemon's configuration, from YAML or the embedded defaults.</summary>
internal sealed record DaemonConfig
{
    public const string DefaultListen = "tcp://127.0.0.1:5010";

    /// <summary>Where the configuration came from (a path, or <c>embedded defaults</c>).</summary>
    public string Source { get; init; } = "embedded defaults";

    public IReadOnlyList<string> Listen { get; init; } = [DefaultListen];

    public int MaxMessageBytes { get; init; } = Protocol.MessageDecoder.DefaultMaxBodyBytes;

    public TimeSpan StatsInterval { get; init; } = TimeSpan.FromMinutes(1);

    public const string DefaultStatsEndpoint = "tcp://127.0.0.1:5012";

    /// <summary>Where <c>distlogd stats</c> asks; null turns the stats socket off.</summary>
    public string? StatsEndpoint { get; init; } = DefaultStatsEndpoint;

    /// <summary>Where the web viewer listens (<c>http://127.0.0.1:5080</c>; port 0 = a free one); null = no viewer.</summary>
    public string? Viewer { get; init; }

    /// <summary>Whether Python pickle bodies are decoded (by a restricted unpickler); off by default.</summary>
    public bool AcceptPickle { get; init; }

    public IReadOnlyList<PluginConfig> Plugins { get; init; } = [];
}
