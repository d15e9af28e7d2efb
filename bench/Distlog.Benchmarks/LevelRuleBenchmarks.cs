using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NetMQ;
using NetMQ.Sockets;

namespace Distlog.Benchmarks;

/// <summary>
/// What central level rules cost a log call: the same distlog set-up (through <c>AddDistlog</c>, so the rules reach
/// MEL's filters) with no rule in force, and with 100 rules in force, each for another logger of this service. The
/// rules come as a real snapshot over a real session, from a ROUTER socket that plays distlogd. A disabled call
/// (Debug, below Information) must cost the same with the rules; so must an enabled one.
/// </summary>
/// <remarks>As <see cref="LoggingBenchmarks"/>: each iteration makes 200,000 calls (into queues of a million), and its cleanup waits until the
/// providers have sent what was queued, so enabled calls never measure the drop path.</remarks>
[MemoryDiagnoser]
[InvocationCount(200_000)]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class LevelRuleBenchmarks
{
    private const int Rules = 100;
    private Drain _drain = null!;
    private RouterSocket _daemon = null!;
    private ServiceProvider _none = null!;
    private ServiceProvider _hundred = null!;
    private ILogger _noRules = null!;
    private ILogger _withRules = null!;

    [GlobalSetup]
    public void Setup()
    {
        _drain = new Drain();
        _daemon = new RouterSocket();
        string control = $"tcp://127.0.0.1:{_daemon.BindRandomPort("tcp://127.0.0.1")}";
        _none = Services("off");
        _hundred = Services(control);
        _noRules = _none.GetRequiredService<ILoggerFactory>().CreateLogger("Bench.Orders");
        _withRules = _hundred.GetRequiredService<ILoggerFactory>().CreateLogger("Bench.Orders");

        // Answer the client's HELLO with 100 rules for other loggers of this service.
        var hello = _daemon.ReceiveMultipartMessage();
        var rules = string.Join(",", Enumerable.Range(0, Rules).Select(i => $$"""{"id":"r{{i}}","service":"bench","logger":"Other.Component{{i}}","level":"Debug","expiresInMs":3600000}"""));
        var snapshot = new NetMQMessage();
        snapshot.Append(hello[0].ToByteArray());
        snapshot.Append("DLC1");
        snapshot.Append("SNAPSHOT");
        snapshot.Append(Encoding.UTF8.GetBytes($$"""{"epoch":"bench","version":1,"rules":[{{rules}}]}"""));
        _daemon.SendMultipartMessage(snapshot);
        var probe = _hundred.GetRequiredService<ILoggerFactory>().CreateLogger("Other.Component7");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!probe.IsEnabled(LogLevel.Debug))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException("the rules did not reach the logger");
            }

            Thread.Sleep(10);
        }

        if (_withRules.IsEnabled(LogLevel.Debug) || !_withRules.IsEnabled(LogLevel.Information))
        {
            throw new InvalidOperationException("Bench.Orders must stay at Information");
        }
    }

    [IterationCleanup]
    public void DrainQueues()
    {
        foreach (var services in new[] { _none, _hundred })
        {
            var provider = services.GetServices<ILoggerProvider>().OfType<DistlogLoggerProvider>().Single();
            if (!provider.FlushAsync(TimeSpan.FromMinutes(2)).GetAwaiter().GetResult())
            {
                throw new InvalidOperationException("distlog did not drain");
            }
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _none.Dispose();
        _hundred.Dispose();
        _daemon.Dispose();
        _drain.Dispose();
    }

    [BenchmarkCategory("Disabled"), Benchmark(Baseline = true)]
    public void Disabled_NoRules() => _noRules.LogDebug("Order {OrderId} for {Customer}", 42, "leo");

    [BenchmarkCategory("Disabled"), Benchmark]
    public void Disabled_100Rules() => _withRules.LogDebug("Order {OrderId} for {Customer}", 42, "leo");

    [BenchmarkCategory("Enabled"), Benchmark(Baseline = true)]
    public void Enabled_NoRules() => _noRules.LogInformation("Order {OrderId} for {Customer}", 42, "leo");

    [BenchmarkCategory("Enabled"), Benchmark]
    public void Enabled_100Rules() => _withRules.LogInformation("Order {OrderId} for {Customer}", 42, "leo");

    private ServiceProvider Services(string control) =>
        new ServiceCollection().AddLogging(b => b
            .SetMinimumLevel(LogLevel.Information)
            .AddDistlog(_drain.Endpoint, o =>
            {
                o.ServiceName = "bench";
                o.ControlEndpoint = control;
                o.QueueCapacity = 1 << 20;
                o.Encoding = DistlogEncoding.MessagePack;
                o.SelfLog = null;
            })).BuildServiceProvider();
}
