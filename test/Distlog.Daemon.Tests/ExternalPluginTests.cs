using System.Runtime.Loader;
using Distlog.Daemon.Tests.Support;
using Distlog.Plugins;
using Distlog.Tests.Shared;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Distlog.Daemon.Tests;

public class ExternalPluginTests
{
    /// <summary>The test plugin's build output, beside this project's (same configuration and framework).</summary>
    private static readonly string s_pluginPath = Path.GetFullPath(Path.Combine(
        AppContext.BaseDirectory, "..", "..", "..", "..", "Distlog.Daemon.TestPlugin", "bin",
        new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name, "net10.0", "Distlog.Daemon.TestPlugin.dll"));

    [Fact]
    public async Task PluginFromAnAssemblyPath_LoadsInItsOwnContext_AndGetsItsRecords()
    {
        Assert.True(File.Exists(s_pluginPath), s_pluginPath);
        string output = Path.Combine(Path.GetTempPath(), $"distlog-external-{Guid.NewGuid():N}.txt");
        await using var daemon = await RunningDaemon.StartAsync(
            $"  - type: Distlog.Daemon.TestPlugin.MessageListPlugin\n    assembly: {s_pluginPath}\n    out: {output}\n    prefix: keep\n");
        try
        {
            var plugin = daemon.Host.Plugins.Single(p => p.GetType().Name == "MessageListPlugin");
            Assert.NotSame(AssemblyLoadContext.Default, AssemblyLoadContext.GetLoadContext(plugin.GetType().Assembly));
            Assert.IsAssignableFrom<IDistlogPlugin>(plugin);

            using (var factory = LoggerFactory.Create(b => b.AddDistlog(daemon.Endpoint, TestClient.AtMostOnce)))
            {
                var logger = factory.CreateLogger("ext");
                logger.LogInformation("keep one");
                logger.LogInformation("drop this");
                logger.LogInformation("keep two");
            }

            Assert.True(Wait.For(() => daemon.Host.Statistics.Plugins.Single(p => p.Name.Contains("MessageList", StringComparison.Ordinal)).Handled == 2, TimeSpan.FromSeconds(30)));
            Assert.Equal(["keep one", "keep two"], File.ReadAllLines(output));
        }
        finally
        {
            File.Delete(output);
        }
    }

    [Fact]
    public void UnknownTypeInAnAssembly_IsAConfigurationError()
    {
        var config = Configuration.ConfigLoader.Parse($"plugins:\n  - type: No.Such.Plugin\n    assembly: {s_pluginPath}\n", "t.yaml");
        var ex = Assert.Throws<PluginConfigurationException>(() => Plugins.PluginFactory.Create(config.Plugins[0]));
        Assert.Contains("t.yaml:2: 'No.Such.Plugin' is not a plugin type", ex.Message, StringComparison.Ordinal);
    }
}
