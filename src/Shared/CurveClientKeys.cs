using NetMQ;

namespace Distlog.Native;

/// <summary>
/// The CURVE keys of a command-line client of distlogd (<c>distlog tail</c>, <c>distlogd stats</c>): distlogd's
/// public key (<c>--server-key</c>, default <c>$DISTLOG_CURVE_SERVER_KEY</c>) and the client's own secret key, in
/// a file that <c>distlogd keygen --out</c> wrote (<c>--key-file</c>, default <c>$DISTLOG_CURVE_KEY_FILE</c>).
/// Compiled into each command that needs it.
/// </summary>
internal static class CurveClientKeys
{
    public const string ServerKeyVariable = "DISTLOG_CURVE_SERVER_KEY";
    public const string KeyFileVariable = "DISTLOG_CURVE_KEY_FILE";

    /// <summary>Makes <paramref name="socket"/> a CURVE client when a server key is given; plain otherwise.</summary>
    /// <exception cref="FormatException">A key is not Z85, or the key file cannot be read: the text says which.</exception>
    public static void Apply(NetMQSocket socket, string? serverKey, string? keyFile)
    {
        if (string.IsNullOrWhiteSpace(serverKey))
        {
            return;
        }

        socket.Options.CurveServerKey = Decode(serverKey.Trim(), "--server-key");
        if (string.IsNullOrWhiteSpace(keyFile))
        {
            throw new FormatException($"--server-key needs --key-file (or ${KeyFileVariable}): this client's secret key, made by distlogd keygen --out, whose public key is in distlogd's clients file");
        }

        string secret;
        try
        {
            secret = File.ReadLines(keyFile).FirstOrDefault()?.Trim() ?? string.Empty;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new FormatException($"--key-file {keyFile} cannot be read: {ex.Message}");
        }

        socket.Options.CurveCertificate = NetMQCertificate.CreateFromSecretKey(Decode(secret, $"the key in {keyFile}"));
    }

    private static byte[] Decode(string z85, string what)
    {
        try
        {
            return z85.Length == 40 ? NetMQCertificate.FromPublicKey(z85).PublicKey : throw new ArgumentException("length");
        }
        catch (Exception ex) when (ex is ArgumentException or IndexOutOfRangeException)
        {
            throw new FormatException($"{what} must be a 40-character Z85 key, as distlogd keygen prints");
        }
    }
}
