using Distlog.Daemon.Configuration;
using Distlog.Plugins;

namespace Distlog.Daemon.Plugins;

/// <summary>Builds a plugin from its configuration entry by <c>type:</c>.</summary>
internal static class PluginFactory
{
    public static IReadOnlyDictionary<string, Func<PluginSettings, IDistlogPlugin>> BuiltIn { get; } =
        new Dictionary<string, Func<PluginSettings, IDistlogPlugin>>(StringComparer.Ordinal)
        {
            ["file"] = settings => new FilePlugin(settings),
            ["publish"] = settings => new PublishPlugin(settings),
            ["console"] = settings => new ConsolePlugin(settings),
        };

    public static IDistlogPlugin Create(PluginConfig config, IReadOnlyDictionary<string, Func<PluginSettings, IDistlogPlugin>>? extra = null)
    {
        Func<PluginSettings, IDistlogPlugin>? create = null;
        if (extra?.TryGetValue(config.Type, out create) != true && !BuiltIn.TryGetValue(config.Type, out create))
        {
            throw config.Settings.Error("type", $"unknown plugin type '{config.Type}' (built in: {string.Join(", ", BuiltIn.Keys)})");
        }

        var plugin = create!(config.Settings);
        string? unknown = config.Settings.Unread.FirstOrDefault();
        if (unknown is not null)
        {
            throw config.Settings.Error(unknown, $"unknown key '{unknown}' for a plugin of type '{config.Type}'");
        }

        return plugin;
    }
}
