using Distlog.Plugins;

namespace Distlog.Storage.Tests.Support;

internal static class Settings
{
    /// <summary>A plugin's settings as the YAML loader would give them.</summary>
    public static PluginSettings Of(params (string Key, string? Value)[] values) =>
        new("test.yaml", 1, values.ToDictionary(v => v.Key, v => (v.Value, 1)));
}
