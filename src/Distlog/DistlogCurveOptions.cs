namespace Distlog;

/// <summary>
/// CURVE (CurveZMQ) keys of a client of a distlogd that encrypts and authenticates its sockets (<c>curve:</c> in
/// distlogd.yaml): every key is the 40-character Z85 text that <c>distlogd keygen</c> prints. Bound from
/// <c>Logging:Distlog:Curve</c>, so each key can come from an environment variable
/// (<c>Logging__Distlog__Curve__SecretKey</c>) or a secret store rather than a file in the repository.
/// </summary>
/// <remarks>With <see cref="ServerPublicKey"/> set, both the records and the session are encrypted, and distlogd
/// takes them only if <see cref="PublicKey"/> is in its <c>clients:</c> file. A key that is not valid Z85 is reported
/// through <see cref="DistlogOptions.SelfLog"/> and nothing is sent (never in the clear instead).</remarks>
public sealed class DistlogCurveOptions
{
    /// <summary>distlogd's public key (its <c>curve: public_key</c>). Null: no CURVE, the sockets are plain.</summary>
    public string? ServerPublicKey { get; set; }

    /// <summary>This client's public key, as listed in distlogd's <c>clients:</c> file.</summary>
    public string? PublicKey { get; set; }

    /// <summary>This client's secret key. Keep it out of source control.</summary>
    public string? SecretKey { get; set; }
}
