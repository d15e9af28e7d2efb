using Distlog.Daemon;
using Distlog.Daemon.Configuration;
using Distlog.Tests.Shared;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using Xunit;

namespace Distlog.Viewer.Tests;

/// <summary>
/// One real distlogd (SQLite store, viewer on a free loopback port) holding the cross-process demo's records and
/// the seed's tutorial, and one headless Chromium — Debian's, launched by Playwright (nothing is downloaded).
/// </summary>
public sealed class ViewerFixture : IAsyncLifetime
{
    public const string Chromium = "/usr/bin/chromium";
    private readonly string _folder = Directory.CreateTempSubdirectory("distlog-viewer-").FullName;
    private IPlaywright? _playwright;

    internal DaemonHost Daemon { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public string Address => Daemon.ViewerAddress!;

    /// <summary>The root of the tutorial as the original Python client sends it.</summary>
    public string PythonRoot { get; private set; } = null!;

    /// <summary>The demo's root task id.</summary>
    public string DemoRoot { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var config = ConfigLoader.Parse(
            $"listen: tcp://127.0.0.1:*\nstats_interval: 0s\nstats_endpoint: off\ncontrol: tcp://127.0.0.1:*\nviewer: http://127.0.0.1:0\nviewer_trace_url: http://tracing.example/trace/{{trace_id}}\nplugins:\n  - type: sqlite\n    path: {_folder}/store.db\n",
            "test.yaml");
        Daemon = new DaemonHost(config, LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning)));
        await Daemon.StartAsync();

        var demo = ChildProcess.RunProject("samples/CrossProcess", "Distlog.Samples.CrossProcess", Daemon.Endpoints[0]);
        Assert.True(demo.ExitCode == 0, demo.Stderr);
        DemoRoot = demo.Stdout.Trim().Split(' ')[^1];
        var tutorial = ChildProcess.RunProject("samples/Tutorial", "Distlog.Samples.Tutorial", Daemon.Endpoints[0]);
        Assert.True(tutorial.ExitCode == 0, tutorial.Stderr);

        // A task that succeeds with an error and a warning inside it, and the tutorial as the original Python client sends it.
        using (var provider = new DistlogLoggerProvider(new DistlogOptions { Endpoint = Daemon.Endpoints[0], ControlEndpoint = "off", ServiceName = "checkout", SelfLog = _ => { } }))
        {
            var logger = provider.CreateLogger("Shop.Checkout");
            using var checkout = logger.BeginTask("checkout 7");
            logger.LogWarning("address incomplete");
            try
            {
                throw new InvalidOperationException("card declined");
            }
            catch (InvalidOperationException ex)
            {
                logger.LogError(ex, "card declined, trying the next one");
            }

            checkout.Success("checkout 7 paid");
        }

        PythonRoot = Guid.NewGuid().ToString();
        using (var push = new NetMQ.Sockets.PushSocket())
        {
            push.Options.Linger = TimeSpan.FromSeconds(10);
            push.Connect(Daemon.Endpoints[0]);
            foreach (byte[] body in PythonFrames.Tutorial(PythonRoot))
            {
                NetMQ.OutgoingSocketExtensions.SendMoreFrame(push, "PLJ"u8.ToArray());
                NetMQ.OutgoingSocketExtensions.SendFrame(push, body);
            }
        }

        WaitForStored(20 + 7 + 4 + 6);

        if (!File.Exists(Chromium))
        {
            throw new InvalidOperationException($"{Chromium} is missing: run ./scripts/test.sh, which installs Debian's chromium");
        }

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new() { ExecutablePath = Chromium, Headless = true, Args = ["--no-sandbox"] });
    }

    /// <summary>Waits until the store holds <paramref name="count"/> records in all.</summary>
    public void WaitForStored(long count) =>
        Wait.Until(() => Daemon.Statistics.Plugins[0].Handled >= count, () => $"the store to hold {count} records; it has {Daemon.Statistics.Plugins[0].Handled}");

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        await Daemon.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }
}
