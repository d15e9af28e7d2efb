using Microsoft.Extensions.Logging;

namespace Distlog.Benchmarks;

/// <summary>The client side shared by the throughput harnesses: a provider that never drops (Block policy) and
/// one task holding exactly the number of records asked for.</summary>
/// <remarks>The queue holds 8192 records, not the default 65,536: a harness logs faster than anything can send, so
/// the queue is always full, and at 65,536 every record waits long enough to be promoted to gen2 (20-30 gen2
/// collections per million records, about a fifth slower) — a configuration for sustained load, where the default
/// is sized to keep bursts whole.</remarks>
internal static class BenchClient
{
    /// <param name="control">The daemon's session endpoint (acknowledged delivery), or <c>off</c> (at most once).</param>
    public static DistlogLoggerProvider Lossless(string endpoint, int batchBytes, DistlogEncoding encoding, DistlogTransport transport = DistlogTransport.NetMQ, string control = "off", DistlogCurveOptions? curve = null) => new(new DistlogOptions
    {
        Curve = curve ?? new DistlogCurveOptions(),
        Endpoint = endpoint,
        Transport = transport,
        MaxBatchBytes = batchBytes,
        QueueCapacity = 8192,
        Encoding = encoding,
        Overflow = OverflowPolicy.Block,
        BlockTimeout = TimeSpan.FromSeconds(30),
        SendHighWatermark = 1000,
        SelfLog = null,
        ControlEndpoint = control,
    });

    /// <summary>Logs <paramref name="records"/> records: a task's enter and exit and the structured records between.</summary>
    public static void LogTask(DistlogLoggerProvider provider, int records, string caseName)
    {
        using var factory = LoggerFactory.Create(b => b.AddProvider(provider));
        var logger = factory.CreateLogger("Throughput");
        using (logger.BeginTask("throughput {Case}", null, caseName))
        {
            for (int i = 2; i < records; i++)
            {
                logger.LogInformation("order {OrderId} for {Customer} shipped to {City}", i, "leo", "Amsterdam");
            }
        }
    }
}
