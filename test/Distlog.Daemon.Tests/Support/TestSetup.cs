using System.Runtime.CompilerServices;

namespace Distlog.Daemon.Tests.Support;

internal static class TestSetup
{
    /// <summary>xunit runs tests on pool threads and these tests block them, while NetMQ's socket I/O completes on
    /// the same pool on Linux: a higher minimum keeps the sockets from starving.</summary>
    [ModuleInitializer]
    internal static void RaiseThreadPoolMinimum() => ThreadPool.SetMinThreads(64, 64);
}
