// distlogd [--config FILE]      run; without --config on the embedded defaults
// distlogd --check-config FILE  validate a configuration and exit (0 valid, 1 invalid)
// distlogd stats [--endpoint E]  print a running daemon's counters as JSON (default tcp://127.0.0.1:5012)
using Distlog.Daemon;
using Distlog.Daemon.Configuration;
using Distlog.Daemon.Plugins;
using Distlog.Plugins;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

const string Usage = "usage: distlogd [--config FILE] | --check-config FILE | stats [--endpoint ENDPOINT]";
if (args.Length > 0 && args[0] == "stats")
{
    string endpoint = args.Length == 3 && args[1] == "--endpoint" ? args[2] : DaemonConfig.DefaultStatsEndpoint;
    if (args.Length is not (1 or 3))
    {
        Console.Error.WriteLine(Usage);
        return 2;
    }

    string? reply = StatsServer.Query(endpoint, TimeSpan.FromSeconds(5));
    if (reply is null)
    {
        Console.Error.WriteLine($"distlogd: no daemon answered at {endpoint} within 5 s");
        return 1;
    }

    Console.WriteLine(reply);
    return 0;
}

string? configPath = null;
string? checkPath = null;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--config" when i + 1 < args.Length:
            configPath = args[++i];
            break;
        case "--check-config" when i + 1 < args.Length:
            checkPath = args[++i];
            break;
        case "-h" or "--help":
            Console.WriteLine(Usage);
            return 0;
        default:
            Console.Error.WriteLine($"distlogd: unknown argument '{args[i]}'; {Usage}");
            return 2;
    }
}

try
{
    if (checkPath is not null)
    {
        var checkedConfig = ConfigLoader.Load(checkPath);
        foreach (var plugin in checkedConfig.Plugins)
        {
            await PluginFactory.Create(plugin).DisposeAsync().ConfigureAwait(false);
        }

        Console.WriteLine($"{checkPath}: valid ({checkedConfig.Listen.Count} endpoint(s), {checkedConfig.Plugins.Count} plugin(s))");
        return 0;
    }

    var config = configPath is null ? ConfigLoader.Defaults() : ConfigLoader.Load(configPath);
    var builder = Host.CreateApplicationBuilder();
    builder.Logging.ClearProviders();
    builder.Logging.AddSimpleConsole(o => o.SingleLine = true);

    // A start that fails (a port in use, say) is said in one line below; the host would add its stack trace.
    builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
    builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(45));
    builder.Services.AddSystemd(); // notify readiness and log in journald's format when systemd runs it; no-op otherwise
    builder.Services.AddSingleton(config);
    builder.Services.AddHostedService<DaemonService>();
    using var host = builder.Build();
    await host.RunAsync().ConfigureAwait(false);
    return 0;
}
catch (PluginConfigurationException ex)
{
    Console.Error.WriteLine($"distlogd: {ex.Message}");
    return 1;
}
