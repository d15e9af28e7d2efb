using NetMQ;

namespace Distlog.Internal;

/// <summary>A client's CURVE keys, decoded from <see cref="DistlogCurveOptions"/>: applied to every socket it opens
/// to distlogd.</summary>
internal sealed class CurveKeys
{
    private CurveKeys(byte[] server, NetMQCertificate own)
    {
        ServerPublicKey = server;
        Own = own;
    }

    public byte[] ServerPublicKey { get; }

    public NetMQCertificate Own { get; }

    /// <summary>The keys of <paramref name="options"/>; null when CURVE is not configured.</summary>
    /// <exception cref="FormatException">A key is missing or not 40 characters of Z85, or the pair does not match.</exception>
    public static CurveKeys? From(DistlogCurveOptions? options)
    {
        if (string.IsNullOrWhiteSpace(options?.ServerPublicKey))
        {
            return null;
        }

        byte[] server = Decode(options.ServerPublicKey, "ServerPublicKey");
        byte[] secret = Decode(options.SecretKey, "SecretKey");
        var own = NetMQCertificate.CreateFromSecretKey(secret);
        if (options.PublicKey is { Length: > 0 } stated && !Decode(stated, "PublicKey").AsSpan().SequenceEqual(own.PublicKey))
        {
            throw new FormatException("Curve: PublicKey is not the public key of SecretKey");
        }

        return new CurveKeys(server, own);
    }

    /// <summary>Makes <paramref name="socket"/> a CURVE client of distlogd.</summary>
    public void Apply(NetMQSocket socket)
    {
        socket.Options.CurveServerKey = ServerPublicKey;
        socket.Options.CurveCertificate = Own;
    }

    private static byte[] Decode(string? z85, string name)
    {
        string text = z85?.Trim() ?? string.Empty;
        if (text.Length != 40)
        {
            throw new FormatException($"Curve: {name} must be the 40-character Z85 key that distlogd keygen prints{(text.Length == 0 ? ", and is missing" : $", got {text.Length} characters")}");
        }

        try
        {
            return NetMQCertificate.FromPublicKey(text).PublicKey;
        }
        catch (Exception ex) when (ex is ArgumentException or IndexOutOfRangeException or FormatException)
        {
            throw new FormatException($"Curve: {name} is not Z85 text");
        }
    }
}
