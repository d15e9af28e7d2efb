// distlogd [--config FILE]        run; without --config on the embedded defaults
// distlogd --check-config FILE    validate a configuration and exit (0 valid, 1 invalid)
// distlogd stats [--endpoint E]   print a running daemon's counters as JSON (default tcp://127.0.0.1:5012)
// Every command takes --help.
using System.CommandLine;
using Distlog.Native;
using Distlog.Daemon;
using Distlog.Daemon.Configuration;
using Distlog.Daemon.Plugins;
using Distlog.Plugins;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

var config = new Option<string?>("--config") { Description = "the YAML configuration to run with (default: the embedded defaults)", HelpName = "FILE" };
var check = new Option<string?>("--check-config") { Description = "validate this configuration and exit: 0 valid, 1 invalid (the error names file:line)", HelpName = "FILE" };
var root = new RootCommand("distlogd: collects the records of every distlog client and hands them to its plugins (SQLite, file, Redis, MongoDB, publish, console).")
{
    config,
    check,
};
root.SetAction(async (result, token) =>
{
    try
    {
        return result.GetValue(check) is { } checkPath
            ? await CheckAsync(checkPath).ConfigureAwait(false)
            : await RunAsync(result.GetValue(config), token).ConfigureAwait(false);
    }
    catch (PluginConfigurationException ex)
    {
        Console.Error.WriteLine($"distlogd: {ex.Message}");
        return 1;
    }
});

var endpoint = new Option<string>("--endpoint") { Description = "the daemon's stats endpoint", DefaultValueFactory = _ => DaemonConfig.DefaultStatsEndpoint, HelpName = "ENDPOINT" };
var serverKey = new Option<string?>("--server-key") { Description = $"the daemon's CURVE public key, when it has curve: (default ${CurveClientKeys.ServerKeyVariable})", DefaultValueFactory = _ => Environment.GetEnvironmentVariable(CurveClientKeys.ServerKeyVariable), HelpName = "Z85" };
var keyFile = new Option<string?>("--key-file") { Description = $"this client's CURVE secret key file, from distlogd keygen --out (default ${CurveClientKeys.KeyFileVariable})", DefaultValueFactory = _ => Environment.GetEnvironmentVariable(CurveClientKeys.KeyFileVariable), HelpName = "FILE" };
var stats = new Command("stats", "print a running daemon's counters as JSON") { endpoint, serverKey, keyFile };
stats.SetAction(result =>
{
    string at = result.GetValue(endpoint)!;
    string? reply;
    try
    {
        reply = StatsServer.Query(at, TimeSpan.FromSeconds(5), socket => CurveClientKeys.Apply(socket, result.GetValue(serverKey), result.GetValue(keyFile)));
    }
    catch (FormatException ex)
    {
        Console.Error.WriteLine($"distlogd: {ex.Message}");
        return 1;
    }

    if (reply is null)
    {
        Console.Error.WriteLine($"distlogd: no daemon answered at {at} within 5 s");
        return 1;
    }

    Console.WriteLine(reply);
    return 0;
});
root.Subcommands.Add(stats);

var keyOut = new Option<string?>("--out") { Description = "write the secret key to FILE.key (mode 0600) and the public key to FILE.pub, instead of printing both", HelpName = "FILE" };
var keygen = new Command("keygen", "make a CURVE key pair: for distlogd's curve: secret_key and public_key, or for a client (its public key goes in distlogd's clients file)") { keyOut };
keygen.SetAction(result =>
{
    var pair = new NetMQ.NetMQCertificate();
    if (result.GetValue(keyOut) is not { } file)
    {
        Console.WriteLine($"public_key: {pair.PublicKeyZ85}");
        Console.WriteLine($"secret_key: {pair.SecretKeyZ85}");
        return 0;
    }

    try
    {
        var secretOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            secretOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var secret = new StreamWriter(file + ".key", secretOptions))
        {
            secret.WriteLine(pair.SecretKeyZ85);
        }

        File.WriteAllText(file + ".pub", pair.PublicKeyZ85 + Environment.NewLine);
        Console.WriteLine($"public_key: {pair.PublicKeyZ85}");
        Console.WriteLine($"wrote {file}.key (the secret key, readable by you only) and {file}.pub");
        return 0;
    }
    catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
    {
        Console.Error.WriteLine($"distlogd: keygen: {ex.Message}");
        return 1;
    }
});
root.Subcommands.Add(keygen);
// The host stops on SIGTERM itself, draining every plugin (up to 45 s): the parser must not end the process first.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }).ConfigureAwait(false);

static async Task<int> CheckAsync(string path)
{
    var checkedConfig = ConfigLoader.Load(path);
    foreach (var plugin in checkedConfig.Plugins)
    {
        await PluginFactory.Create(plugin).DisposeAsync().ConfigureAwait(false);
    }

    Console.WriteLine($"{path}: valid ({checkedConfig.Listen.Count} endpoint(s), {checkedConfig.Plugins.Count} plugin(s))");
    return 0;
}

static async Task<int> RunAsync(string? path, CancellationToken token)
{
    var loaded = path is null ? ConfigLoader.Defaults() : ConfigLoader.Load(path);
    // distlogd reads no appsettings.json; watching for changes to it would watch the working directory, where the
    // default store writes (logs/), and wake a thread on every write there.
    var builder = Host.CreateApplicationBuilder(["--hostBuilder:reloadConfigOnChange=false"]);
    builder.Logging.ClearProviders();
    builder.Logging.AddSimpleConsole(o => o.SingleLine = true);

    // A start that fails (a port in use, say) is said in one line; the host would add its stack trace.
    builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
    builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(45));
    builder.Services.AddSystemd(); // notify readiness and log in journald's format when systemd runs it; no-op otherwise
    builder.Services.AddSingleton(loaded);
    builder.Services.AddHostedService<DaemonService>();
    using var host = builder.Build();
    await host.RunAsync(token).ConfigureAwait(false);
    return 0;
}
