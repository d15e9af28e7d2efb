using System.Diagnostics;
using Distlog.Protocol;
using Microsoft.Extensions.Logging;

namespace Distlog.Benchmarks;

/// <summary>
/// End-to-end records/s from the provider to a PULL socket in another thread: one record per message (the
/// original's framing, <c>MaxBatchBytes = 0</c>) beside batches (the default), JSON and MessagePack, in one run.
/// The receiver counts records, decoding batch prefixes; the figure is records received over the time from the
/// first log call to the last record's arrival.
/// </summary>
internal static class ThroughputHarness
{
    public static int Run(int records)
    {
        Console.WriteLine($"records per case: {records}; cores: {Environment.ProcessorCount}");
        Console.WriteLine("| case | records/s | messages | bytes/record | dropped |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        foreach (var (name, batchBytes, encoding) in new[]
        {
            ("single, JSON", 0, DistlogEncoding.Json),
            ("batched, JSON", 32 * 1024, DistlogEncoding.Json),
            ("single, MessagePack", 0, DistlogEncoding.MessagePack),
            ("batched, MessagePack", 32 * 1024, DistlogEncoding.MessagePack),
        })
        {
            Measure(name, records, batchBytes, encoding);
        }

        return 0;
    }

    private static void Measure(string name, int records, int batchBytes, DistlogEncoding encoding)
    {
        using var drain = new Drain();
        long received = 0;
        using var done = new ManualResetEventSlim();
        drain.OnMessage = (topic, body) =>
        {
            long n = 1;
            if (topic[1] == Topic.KindBatch)
            {
                n = 0;
                int offset = 0;
                while (BatchFormat.TryReadNext(body, ref offset, out _, out _))
                {
                    n++;
                }
            }

            if (Interlocked.Add(ref received, n) >= records)
            {
                done.Set();
            }
        };

        using var provider = BenchClient.Lossless(drain.Endpoint, batchBytes, encoding);
        var watch = Stopwatch.StartNew();
        BenchClient.LogTask(provider, records, name);

        bool complete = done.Wait(TimeSpan.FromMinutes(2));
        watch.Stop();
        var stats = provider.Statistics;
        Console.WriteLine($"| {name} | {(complete ? (records / watch.Elapsed.TotalSeconds).ToString("N0", System.Globalization.CultureInfo.InvariantCulture) : "incomplete")} | {drain.Messages:N0} | {drain.Bytes / Math.Max(1, Interlocked.Read(ref received)):N0} | {stats.Dropped} |");
    }
}
