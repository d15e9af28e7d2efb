using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Distlog.Viewer;

/// <summary>What an API key may do: <see cref="Read"/> the records, the trees and the rules; <see cref="Admin"/>
/// also change what the system does (the level rules).</summary>
internal enum ViewerRole
{
    Read,
    Admin,
}

/// <summary>One API key of <c>api_keys:</c>: its name (said in the level changes it makes), the key, its role.</summary>
internal sealed record ApiKey(string Name, string Key, ViewerRole Role);

/// <summary>
/// Who may use the viewer and its API, and under which Host names. Without keys the viewer is open, and distlogd
/// serves it only on loopback; with keys, every path wants one: <c>Authorization: Bearer KEY</c> for scripts, or the
/// cookie the login page sets for a browser. A request naming a host the viewer does not answer to is refused
/// (against DNS rebinding: a page of another site that resolves its name to this machine).
/// </summary>
/// <remarks>Thread-safe: the sessions are a concurrent map; the keys never change once started.</remarks>
internal sealed class ViewerAccess(IReadOnlyList<ApiKey> keys, IReadOnlyList<string> hosts)
{
    /// <summary>The cookie of a browser that logged in.</summary>
    public const string Cookie = "distlog_session";

    /// <summary>How long a login lasts.</summary>
    public static readonly TimeSpan SessionLength = TimeSpan.FromHours(12);

    private readonly ConcurrentDictionary<string, (ApiKey Key, DateTimeOffset Until)> _sessions = new(StringComparer.Ordinal);

    /// <summary>Open to whoever reaches it, on any loopback Host name: no keys, no other hosts.</summary>
    public static ViewerAccess Open { get; } = new([], []);

    /// <summary>Whether requests need a key.</summary>
    public bool RequiresKey => keys.Count > 0;

    /// <summary>Whether a request's Host (without its port) is one the viewer answers to: loopback names, the host it
    /// is bound to, and <c>viewer_hosts</c>.</summary>
    public bool AllowsHost(string host, string boundHost) =>
        host.Length == 0 ||
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) ||
        host == "127.0.0.1" || host == "[::1]" ||
        host.Equals(boundHost, StringComparison.OrdinalIgnoreCase) ||
        hosts.Any(h => h.Equals(host, StringComparison.OrdinalIgnoreCase));

    /// <summary>The key a presented secret is (compared in constant time), or null.</summary>
    public ApiKey? Match(string? presented)
    {
        if (string.IsNullOrEmpty(presented))
        {
            return null;
        }

        byte[] given = Encoding.UTF8.GetBytes(presented);
        ApiKey? found = null;
        foreach (var key in keys)
        {
            if (CryptographicOperations.FixedTimeEquals(given, Encoding.UTF8.GetBytes(key.Key)))
            {
                found = key;
            }
        }

        return found;
    }

    /// <summary>Starts a browser session for a key; the cookie's value.</summary>
    public string Login(ApiKey key)
    {
        string token = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
        _sessions[token] = (key, DateTimeOffset.UtcNow + SessionLength);
        foreach (var (old, (_, until)) in _sessions)
        {
            if (until < DateTimeOffset.UtcNow)
            {
                _sessions.TryRemove(old, out _);
            }
        }

        return token;
    }

    /// <summary>The key of a browser session, or null when there is none or it has ended.</summary>
    public ApiKey? Session(string? token) =>
        token is not null && _sessions.TryGetValue(token, out var session) && session.Until > DateTimeOffset.UtcNow ? session.Key : null;

    /// <summary>Ends a browser session.</summary>
    public void Logout(string? token)
    {
        if (token is not null)
        {
            _sessions.TryRemove(token, out _);
        }
    }
}
