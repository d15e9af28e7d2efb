using NetMQ;

namespace Distlog.Daemon.Security;

/// <summary>
/// The client public keys of <c>curve: clients</c>: a text file, one key a line (the 40-character Z85 text that
/// <c>distlogd keygen</c> prints), optionally followed by a name for the client; <c>#</c> at the start of a line or
/// after a space starts a comment. Read
/// again when the file changes.
/// </summary>
internal sealed partial class ClientKeys(string path)
{
    private Dictionary<string, string> _names = new(StringComparer.Ordinal); // Z85 key -> name
    private (DateTime Written, long Length) _read = (DateTime.MinValue, -1);

    public int Count => Volatile.Read(ref _names).Count;

    /// <summary>The name of a client key (its Z85 text when the file gives none); null when it is not let in.</summary>
    public string? NameOf(byte[] key) =>
        _names.GetValueOrDefault(NetMQCertificate.FromPublicKey(key).PublicKeyZ85);

    /// <summary>Reads the file again if it changed since it was last read; a problem (unreadable, a line that is not
    /// a key), naming the file and line, or null. A file that cannot be read leaves the keys as they were.</summary>
    public string? Reload()
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                return $"{path} does not exist";
            }

            if ((info.LastWriteTimeUtc, info.Length) == _read)
            {
                return null;
            }

            var names = new Dictionary<string, string>(StringComparer.Ordinal);
            string? problem = null;
            int number = 0;
            foreach (string raw in File.ReadLines(path))
            {
                number++;
                string line = Comment().Replace(raw, string.Empty).Trim(); // '#' is a Z85 character too: a comment follows a space
                if (line.Length == 0)
                {
                    continue;
                }

                string key = line.Split((char[])[' ', '\t'], 2)[0];
                string name = line.Length > key.Length ? line[key.Length..].Trim() : key;
                if (key.Length != 40 || !IsZ85(key))
                {
                    problem ??= $"{path}:{number}: not a 40-character Z85 public key (as distlogd keygen prints); line ignored";
                    continue;
                }

                names[key] = name;
            }

            _names = names;
            _read = (info.LastWriteTimeUtc, info.Length);
            return problem;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"{path} cannot be read: {ex.Message}";
        }
    }

    private static bool IsZ85(string key)
    {
        try
        {
            _ = NetMQCertificate.FromPublicKey(key);
            return true;
        }
        catch (Exception ex) when (ex is ArgumentException or IndexOutOfRangeException)
        {
            return false;
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"(^|\s)#.*$")]
    private static partial System.Text.RegularExpressions.Regex Comment();
}
