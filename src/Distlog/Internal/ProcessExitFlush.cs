using System.Collections.Concurrent;
using NetMQ;

namespace Distlog.Internal;

/// <summary>
/// Delivers what is left when the process exits. NetMQ sends on background threads, which die with the process, so
/// a socket's linger only holds if someone waits for it: at exit this disposes the providers still open (each
/// drains its queue) and then lets NetMQ finish sending, for at most the longest flush timeout.
/// </summary>
/// <remarks>Terminating NetMQ's shared context is safe only at exit, which is why it happens here and not in Dispose.</remarks>
internal static class ProcessExitFlush
{
    private static readonly ConcurrentDictionary<DistlogLoggerProvider, TimeSpan> s_open = new();
    private static long s_longestTimeoutTicks;
    private static int s_registered;

    public static void Track(DistlogLoggerProvider provider, TimeSpan flushTimeout)
    {
        s_open[provider] = flushTimeout;
        long ticks = Math.Max(0, flushTimeout.Ticks);
        long current;
        while (ticks > (current = Interlocked.Read(ref s_longestTimeoutTicks)) &&
               Interlocked.CompareExchange(ref s_longestTimeoutTicks, ticks, current) != current)
        {
        }

        if (Interlocked.Exchange(ref s_registered, 1) == 0)
        {
            AppDomain.CurrentDomain.ProcessExit += static (_, _) => OnProcessExit();
        }
    }

    public static void Untrack(DistlogLoggerProvider provider) => s_open.TryRemove(provider, out _);

    private static void OnProcessExit()
    {
        foreach (var provider in s_open.Keys)
        {
            provider.Dispose();
        }

        var timeout = TimeSpan.FromTicks(Interlocked.Read(ref s_longestTimeoutTicks));
        var cleanup = new Thread(static () =>
        {
            try
            {
                NetMQConfig.Cleanup(block: true);
            }
            catch (Exception)
            {
                // Exiting anyway.
            }
        })
        { IsBackground = true, Name = "distlog-exit-flush" };
        cleanup.Start();
        cleanup.Join(timeout);
    }
}
