using Microsoft.Extensions.Logging;

namespace Distlog.Benchmarks;

/// <summary>The client side shared by the throughput harnesses: a provider with the default queue that never drops
/// (Block policy) and one task holding exactly the number of records asked for.</summary>
internal static class BenchClient
{
    public static DistlogLoggerProvider Lossless(string endpoint, int batchBytes, DistlogEncoding encoding) => new(new DistlogOptions
    {
        Endpoint = endpoint,
        MaxBatchBytes = batchBytes,
        Encoding = encoding,
        Overflow = OverflowPolicy.Block,
        BlockTimeout = TimeSpan.FromSeconds(30),
        SendHighWatermark = 1000,
        SelfLog = null,
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
