using System.Runtime.CompilerServices;

namespace Distlog.Storage.Tests.Support;

internal static class TestSetup
{
    /// <summary>xunit blocks pool threads while tests wait, and NetMQ completes socket I/O on the same pool on
    /// Linux; a higher minimum keeps the sockets moving (see Distlog.Tests).</summary>
    [ModuleInitializer]
    internal static void RaiseThreadPoolMinimum() => ThreadPool.SetMinThreads(64, 64);
}
