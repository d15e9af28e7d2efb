using BenchmarkDotNet.Running;
using Distlog.Benchmarks;

// bench/run runs the harnesses below that issue 18's goals name, and prints one table of ratios.
// dotnet run -c Release --project bench/Distlog.Benchmarks -- goals [cold] [warm] [rounds]       (end to end beside rsyslog; client CPU beside ZLogger)
// dotnet run -c Release --project bench/Distlog.Benchmarks -- cluster-spread [tasks]            (records over a 3-master Redis Cluster)
// dotnet run -c Release --project bench/Distlog.Benchmarks -- --filter '*LoggingBenchmarks*'   (BenchmarkDotNet)
// dotnet run -c Release --project bench/Distlog.Benchmarks -- throughput [records]              (client → PULL socket)
// dotnet run -c Release --project bench/Distlog.Benchmarks -- daemon-throughput [records] [case] (client → distlogd → file, beside rsyslog)
// dotnet run -c Release --project bench/Distlog.Benchmarks -- store-throughput [records] [store] (distlogd → each store, beside its raw rate)
// dotnet run -c Release --project bench/Distlog.Benchmarks -- viewer [tasks] [tree-records]     (the web viewer on a big store, in chromium)
// dotnet run -c Release --project bench/Distlog.Benchmarks -- task-list [tasks] [keep-dir]      (/api/tasks on a store of 100,000 tasks)
// dotnet run -c Release --project bench/Distlog.Benchmarks -- level-latency [changes]           (level set -> first Debug record received)
// dotnet run -c Release --project bench/Distlog.Benchmarks -- transport [rounds]                 (PUSH -> PULL beside DEALER -> ROUTER)
// dotnet run -c Release --project bench/Distlog.Benchmarks -- delivery crash|overload [records]   (SIGKILLed distlogd; a plugin slower than the receiver)
// dotnet run -c Release --project bench/Distlog.Benchmarks -- startup [rounds]                   (distlogd cold: start to first record stored)
// dotnet run -c Release --project bench/Distlog.Benchmarks -- soak [records]                     (RSS of distlogd and the client at each million)
if (args.Length > 0 && args[0] == "goals")
{
    return GoalsHarness.Run(
        args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 500_000,
        args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 3_000_000,
        args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 3);
}

if (args.Length > 0 && args[0] == "cluster-spread")
{
    return ClusterSpreadHarness.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 300);
}

if (args.Length > 2 && args[0] == "goal-client")
{
    return GoalsHarness.Client(args[1], int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture));
}

if (args.Length > 2 && args[0] == "goal-zlogger")
{
    return GoalsHarness.ZLoggerClient(args[1], int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture));
}

if (args.Length > 1 && args[0] == "delivery")
{
    return DeliveryHarness.Run(args[1], args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000);
}

if (args.Length > 0 && args[0] == "soak")
{
    return DaemonThroughputHarness.Soak(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 10_000_000);
}

if (args.Length > 0 && args[0] == "startup")
{
    return StartupHarness.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 7);
}

if (args.Length > 0 && args[0] == "transport")
{
    return TransportHarness.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 5);
}

if (args.Length > 0 && args[0] == "level-latency")
{
    return await LevelLatencyHarness.RunAsync(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 100);
}

if (args.Length > 0 && args[0] == "viewer")
{
    return await ViewerBenchmark.RunAsync(
        args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 100_000,
        args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 10_000);
}

if (args.Length > 0 && args[0] == "task-list")
{
    return await TaskListHarness.RunAsync(
        args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 100_000,
        args.Length > 2 ? args[2] : null);
}

if (args.Length > 0 && args[0] == "store-throughput")
{
    return StoreThroughputHarness.Run(
        args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 200_000,
        args.Length > 2 ? args[2] : null);
}

if (args.Length > 0 && args[0] == "daemon-throughput")
{
    return DaemonThroughputHarness.Run(
        args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000,
        args.Length > 2 ? args[2] : null);
}

if (args.Length > 0 && args[0] == "throughput")
{
    return ThroughputHarness.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000);
}

BenchmarkSwitcher.FromAssembly(typeof(LoggingBenchmarks).Assembly).Run(args);
return 0;
