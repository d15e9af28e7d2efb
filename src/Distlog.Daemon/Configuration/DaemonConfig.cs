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

    public IReadOnlyList<PluginConfig> Plugins { get; init; } = [];
}
