using System.Runtime.CompilerServices;

namespace Distlog.Tests.Support;

internal static class TestSetup
{
    /// <summary>
    /// xunit runs test bodies on thread-pool threads and these tests block them (waiting for records), while NetMQ's
    /// socket I/O completes on the same pool on Linux. With the default minimum (one thread a core) a few blocked
    /// tests starve the sockets for seconds. Applications meet the same limit; the README says so.
    /// </summary>
    [ModuleInitializer]
    internal static void RaiseThreadPoolMinimum() => ThreadPool.SetMinThreads(64, 64);
}
