// distlogd [--config FILE]      run; without --config on the embedded defaults
// distlogd --check-config FILE  validate a configuration and exit (0 valid, 1 invalid)
using Distlog.Daemon;
using Distlog.Daemon.Configuration;
using Distlog.Daemon.Plugins;
using Distlog.Plugins;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

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
            Console.WriteLine("usage: distlogd [--config FILE] | --check-config FILE");
            return 0;
        default:
            Console.Error.WriteLine($"distlogd: unknown argument '{args[i]}'; usage: distlogd [--config FILE] | --check-config FILE");
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
    builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(45));
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
