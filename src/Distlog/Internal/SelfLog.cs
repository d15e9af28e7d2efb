using System.Collections.Concurrent;

namespace Distlog.Internal;

/// <summary>Reports the provider's own trouble through <see cref="DistlogOptions.SelfLog"/>, once per kind a minute.</summary>
/// <remarks>Thread-safe. A throwing callback is ignored: reporting trouble must not cause more.</remarks>
internal sealed class SelfLog(Action<string>? sink, TimeProvider time)
{
    private static readonly TimeSpan s_interval = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _last = new();

    public void Report(string kind, string message)
    {
        if (sink is null)
        {
            return;
        }

        var now = time.GetUtcNow();
        if (_last.TryGetValue(kind, out var last) && now - last < s_interval)
        {
            return;
        }

        _last[kind] = now;
        try
        {
            sink("[distlog] " + message);
        }
        catch (Exception)
        {
            // Nowhere left to report to.
        }
    }
}
