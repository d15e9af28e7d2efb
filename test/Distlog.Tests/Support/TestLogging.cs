using Microsoft.Extensions.Logging;

namespace Distlog.Tests.Support;

/// <summary>A logger factory with the distlog provider pointed at a receiver; disposing it flushes.</summary>
internal sealed class TestLogging : IDisposable
{
    public TestLogging(string endpoint, Action<DistlogOptions>? configure = null, LogLevel minimum = LogLevel.Trace)
    {
        var options = new DistlogOptions { Endpoint = endpoint, ServiceName = "tests", SelfLog = SelfLogLines.Add };
        configure?.Invoke(options);
        Provider = new DistlogLoggerProvider(options);
        Factory = LoggerFactory.Create(b => b.SetMinimumLevel(minimum).AddProvider(Provider));
    }

    public List<string> SelfLogLines { get; } = [];

    public DistlogLoggerProvider Provider { get; }

    public ILoggerFactory Factory { get; }

    public ILogger Logger(string category = "root") => Factory.CreateLogger(category);

    public void Dispose()
    {
        Factory.Dispose();
        Provider.Dispose();
    }
}
