using Microsoft.Extensions.Logging;

namespace Distlog.Tests.Support;

/// <summary>A logger factory with the distlog provider pointed at a receiver; disposing it flushes.</summary>
internal sealed class TestLogging : IDisposable
{
    public TestLogging(string endpoint, Action<DistlogOptions>? configure = null, LogLevel minimum = LogLevel.Trace)
    {
        // A generous flush timeout: on a loaded two-core machine the tail of a burst can take seconds to drain.
        var options = new DistlogOptions
        {
            Endpoint = endpoint,
            ServiceName = "tests",
            FlushTimeout = TimeSpan.FromSeconds(30),
            SelfLog = line => _selfLog.Enqueue(line),
            ControlEndpoint = "off", // a bare PULL socket plays distlogd: no session
        };
        configure?.Invoke(options);
        Provider = new DistlogLoggerProvider(options);
        Factory = LoggerFactory.Create(b => b.SetMinimumLevel(minimum).AddProvider(Provider));
    }

    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _selfLog = new();

    /// <summary>What the provider reported about itself (written by its sender thread).</summary>
    public IReadOnlyCollection<string> SelfLogLines => _selfLog;

    public DistlogLoggerProvider Provider { get; }

    public ILoggerFactory Factory { get; }

    public ILogger Logger(string category = "root") => Factory.CreateLogger(category);

    public void Dispose()
    {
        Factory.Dispose();
        Provider.Dispose();
    }
}
