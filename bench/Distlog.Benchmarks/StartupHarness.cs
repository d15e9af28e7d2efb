using System.Diagnostics;
using System.Globalization;
using Distlog.Protocol;
using Microsoft.Data.Sqlite;

namespace Distlog.Benchmarks;

/// <summary>
/// Cold start of distlogd as a user runs it: on its embedded defaults (SQLite store, viewer, sessions), in an empty
/// folder, from <see cref="Process.Start()"/> to its summary line and to the first record stored. The record was sent
/// before the daemon started (a PUSH socket that reconnects every millisecond), so it arrives as soon as distlogd
/// listens. Each variant is the same build with runtime settings from the environment (tiered compilation, PGO,
/// the framework's ReadyToRun code), or other builds of distlogd (<c>DISTLOGD_VARIANTS=name=path;name=path</c>,
/// e.g. one published with ReadyToRun); the variants take turns, round after round; medians.
/// </summary>
internal static class StartupHarness
{
    public static int Run(int rounds)
    {
        string built = Path.Combine(AppContext.BaseDirectory, "distlogd");
        var variants = new List<(string Name, string Path, Dictionary<string, string> Env)>
        {
            ("default", built, []),
            ("TieredPGO=0", built, new() { ["DOTNET_TieredPGO"] = "0" }),
            ("TieredCompilation=0 (everything fully optimised at once)", built, new() { ["DOTNET_TieredCompilation"] = "0" }),
            ("ReadyToRun=0 (the framework's precompiled code unused)", built, new() { ["DOTNET_ReadyToRun"] = "0" }),
        };
        if (Environment.GetEnvironmentVariable("DISTLOGD") is { Length: > 0 } publishedPath && publishedPath != built)
        {
            variants.Add(("published, ReadyToRun", publishedPath, []));
        }

        foreach (string extra in (Environment.GetEnvironmentVariable("DISTLOGD_VARIANTS") ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            if (extra.Split('=', 2) is [var extraName, var extraPath])
            {
                variants.Add((extraName, extraPath, []));
            }
        }

        var listening = variants.ToDictionary(v => v.Name, _ => new List<double>());
        var stored = variants.ToDictionary(v => v.Name, _ => new List<double>());
        for (int round = 0; round <= rounds; round++)
        {
            foreach (var (name, path, env) in variants)
            {
                var (listen, store) = Once(path, env);
                if (round > 0) // the first round warms the disk cache
                {
                    listening[name].Add(listen);
                    stored[name].Add(store);
                }
            }
        }

        Console.WriteLine($"| distlogd on its embedded defaults, cold ({rounds} rounds, medians) | summary line, ms | first record stored, ms |");
        Console.WriteLine("| --- | ---: | ---: |");
        foreach (var (name, _, _) in variants)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {Median(listening[name]):N0} | {Median(stored[name]):N0} |"));
        }

        // bench/run names the published distlogd (ReadyToRun) as DISTLOGD: its cold start against the one built.
        if (variants.FirstOrDefault(v => v.Name.StartsWith("published", StringComparison.Ordinal)) is { Name: not null } published)
        {
            double ratio = Median(stored[published.Name]) / Median(stored["default"]);
            BenchSummary.Report("cold start of distlogd to first record stored, published with ReadyToRun",
                string.Create(CultureInfo.InvariantCulture, $"{Median(stored[published.Name]):N0} ms"),
                string.Create(CultureInfo.InvariantCulture, $"as built {Median(stored["default"]):N0} ms"),
                BenchSummary.Ratio(ratio), "report it, and smaller than as built", ratio < 1);
        }

        return 0;
    }

    private static (double Listening, double Stored) Once(string distlogd, Dictionary<string, string> env)
    {
        string dir = Directory.CreateTempSubdirectory("distlogd-startup-").FullName;
        string store = Path.Combine(dir, "logs", "distlog.db");
        string message = "first record " + Guid.NewGuid();
        try
        {
            using var push = new NetMQ.Sockets.PushSocket();
            push.Options.ReconnectInterval = TimeSpan.FromMilliseconds(1);
            push.Options.Linger = TimeSpan.Zero;
            push.Connect("tcp://127.0.0.1:5010");
            var record = new LogRecord
            {
                Name = "Startup", Msg = message, Message = message, LevelNo = Levels.Info, LevelName = "INFO",
                Created = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0, Service = "startup",
            };
            var body = new System.Buffers.ArrayBufferWriter<byte>();
            JsonRecordCodec.Default.Encode(record, body);
            NetMQ.OutgoingSocketExtensions.SendMoreFrame(push, "PLJ"u8.ToArray());
            NetMQ.OutgoingSocketExtensions.SendFrame(push, body.WrittenSpan.ToArray());

            var start = new ProcessStartInfo(distlogd) { UseShellExecute = false, WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var (key, value) in env)
            {
                start.Environment[key] = value;
            }

            var clock = Stopwatch.StartNew();
            using var process = Process.Start(start)!;
            double listening = -1;
            process.OutputDataReceived += (_, e) =>
            {
                if (listening < 0 && e.Data?.StartsWith("distlogd: listening on ", StringComparison.Ordinal) == true)
                {
                    listening = clock.Elapsed.TotalMilliseconds;
                }
            };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();

            // Polled every millisecond: this measures, it does not synchronise a test.
            while (!Holds(store, message))
            {
                if (clock.Elapsed > TimeSpan.FromSeconds(60) || process.HasExited)
                {
                    throw new InvalidOperationException($"{distlogd} stored nothing (exited: {process.HasExited})");
                }

                Thread.Sleep(1);
            }

            double storedAt = clock.Elapsed.TotalMilliseconds;
            process.Kill();
            process.WaitForExit();
            return (listening, storedAt);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(dir, recursive: true);
        }
    }

    private static bool Holds(string store, string message)
    {
        if (!File.Exists(store))
        {
            return false;
        }

        try
        {
            using var connection = new SqliteConnection($"Data Source={store};Mode=ReadOnly;Pooling=False");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM records WHERE message = $m";
            command.Parameters.AddWithValue("$m", message);
            return (long)command.ExecuteScalar()! > 0;
        }
        catch (SqliteException)
        {
            return false; // not made yet
        }
    }

    private static double Median(List<double> values) => values.Count == 0 ? double.NaN : values.Order().ElementAt(values.Count / 2);
}
