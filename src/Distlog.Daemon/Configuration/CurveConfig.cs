namespace Distlog.Daemon.Configuration;

/// <summary><c>curve:</c> — distlogd's CURVE key pair and the file of client public keys it lets in.</summary>
internal sealed record CurveConfig(byte[] SecretKey, byte[] PublicKey, string ClientsFile)
{
    /// <summary>The configuration file, and the line of <c>clients:</c>, for errors found at start.</summary>
    public string Source { get; init; } = "embedded defaults";

    public int Line { get; init; }

    /// <summary>The most connections open at once on all CURVE sockets together; a client past it is refused at
    /// its handshake (<c>max_connections</c>, default 10,000).</summary>
    public long MaxConnections { get; init; } = DefaultMaxConnections;

    public const long DefaultMaxConnections = 10_000;
}
