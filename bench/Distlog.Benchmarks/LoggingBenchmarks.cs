using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging;
using Serilog;
using ZLogger;

namespace Distlog.Benchmarks;

/// <summary>
/// The cost, on the calling thread, of one enabled structured <c>LogInformation</c> inside a distlog task, and of a
/// call below the minimum level: distlog beside ZLogger (the baseline) and Serilog through MEL, each with its own
/// background writer (ZLogger to a null stream, Serilog's async sink to a null sink, distlog to a PULL socket that
/// drains), so every column measures the enqueue path.
/// </summary>
/// <remarks>
/// The writers behind the loggers are slower than the log calls, so a bounded queue fills and a call would then
/// measure the cheaper drop path. Each iteration therefore makes 50,000 calls into queues larger than that, and
/// the iteration's cleanup waits until distlog's and Serilog's queues are empty (ZLogger's queue is unbounded).
/// The cleanup prints the distlog provider's counters: Dropped must stay 0.
/// </remarks>
[MemoryDiagnoser]
[InvocationCount(50_000)]
public class LoggingBenchmarks
{
    private const int QueueSize = 1 << 18;

    private ILoggerFactory _zloggerFactory = null!;
    private ILoggerFactory _serilogFactory = null!;
    private ILoggerFactory _distlogFactory = null!;
    private Microsoft.Extensions.Logging.ILogger _zlogger = null!;
    private Microsoft.Extensions.Logging.ILogger _serilog = null!;
    private Microsoft.Extensions.Logging.ILogger _distlog = null!;
    private Serilog.Core.Logger _serilogCore = null!;
    private DistlogLoggerProvider _provider = null!;
    private DistlogTask _task = null!;
    private Drain _drain = null!;
    private readonly SerilogQueueMonitor _serilogQueue = new();

    [GlobalSetup]
    public void Setup()
    {
        _zloggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Information).AddZLoggerStream(Stream.Null));
        _zlogger = _zloggerFactory.CreateLogger("Bench");

        _serilogCore = new LoggerConfiguration().MinimumLevel.Information().WriteTo.Async(a => a.Sink(new NullSink()), bufferSize: QueueSize, blockWhenFull: true, monitor: _serilogQueue).CreateLogger();
        _serilogFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Information).AddSerilog(_serilogCore));
        _serilog = _serilogFactory.CreateLogger("Bench");

        _drain = new Drain();
        _provider = new DistlogLoggerProvider(new DistlogOptions { Endpoint = _drain.Endpoint, QueueCapacity = QueueSize, Encoding = DistlogEncoding.MessagePack, SelfLog = null, ControlEndpoint = "off" });
        _distlogFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Information).AddProvider(_provider));
        _distlog = _distlogFactory.CreateLogger("Bench");

        // Every call below runs inside this task (BenchmarkDotNet calls setup and workload on one thread).
        _task = _distlog.BeginTask("benchmark", new { run = 1 });
        if (DistlogTask.Current != _task)
        {
            throw new InvalidOperationException("the task is not current on the benchmark thread");
        }
    }

    [IterationCleanup]
    public void DrainQueues()
    {
        if (!_provider.FlushAsync(TimeSpan.FromMinutes(2)).GetAwaiter().GetResult())
        {
            throw new InvalidOperationException("distlog did not drain");
        }

        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (_serilogQueue.Count > 0 && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(1);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Console.WriteLine($"// distlog provider: {_provider.Statistics}");
        _task.Dispose();
        _distlogFactory.Dispose();
        _provider.Dispose();
        _drain.Dispose();
        _zloggerFactory.Dispose();
        _serilogFactory.Dispose();
        _serilogCore.Dispose();
    }

    [Benchmark(Baseline = true)]
    public void ZLogger_Enabled() => _zlogger.LogInformation("Order {OrderId} for {Customer}", 42, "leo");

    [Benchmark]
    public void Distlog_Enabled() => _distlog.LogInformation("Order {OrderId} for {Customer}", 42, "leo");

    [Benchmark]
    public void SerilogViaMel_Enabled() => _serilog.LogInformation("Order {OrderId} for {Customer}", 42, "leo");

    [Benchmark]
    public void ZLogger_Disabled() => _zlogger.LogDebug("Order {OrderId} for {Customer}", 42, "leo");

    [Benchmark]
    public void Distlog_Disabled() => _distlog.LogDebug("Order {OrderId} for {Customer}", 42, "leo");

    [Benchmark]
    public void SerilogViaMel_Disabled() => _serilog.LogDebug("Order {OrderId} for {Customer}", 42, "leo");

    private sealed class SerilogQueueMonitor : Serilog.Sinks.Async.IAsyncLogEventSinkMonitor
    {
        private Serilog.Sinks.Async.IAsyncLogEventSinkInspector? _inspector;

        public int Count => _inspector?.Count ?? 0;

        public void StartMonitoring(Serilog.Sinks.Async.IAsyncLogEventSinkInspector inspector) => _inspector = inspector;

        public void StopMonitoring(Serilog.Sinks.Async.IAsyncLogEventSinkInspector inspector) => _inspector = null;
    }

    private sealed class NullSink : Serilog.Core.ILogEventSink
    {
        public void Emit(Serilog.Events.LogEvent logEvent)
        {
        }
    }
}
