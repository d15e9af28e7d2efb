using Distlog.Daemon.Configuration;
using Distlog.Plugins;
using Distlog.Store.Sqlite;

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
            ["sqlite"] = settings => new SqlitePlugin(settings),
            ["redis"] = settings => new Distlog.Plugins.Redis.RedisPlugin(settings),
            ["mongodb"] = settings => new Distlog.Plugins.MongoDB.MongoPlugin(settings),
            ["seq"] = settings => new Export.SeqPlugin(settings),
            ["otlp"] = settings => new Export.OtlpPlugin(settings),
        };

    /// <summary>The stores that take a <c>long_retention:</c> entry.</summary>
    private static readonly Dictionary<string, Func<PluginSettings, LongRetention, IDistlogPlugin>> s_withRetention =
        new(StringComparer.Ordinal)
        {
            ["sqlite"] = (settings, keep) => new SqlitePlugin(settings, keep),
            ["mongodb"] = (settings, keep) => new Distlog.Plugins.MongoDB.MongoPlugin(settings, keep),
        };

    private static readonly Dictionary<string, PluginLoadContext> s_contexts = new(StringComparer.Ordinal);

    /// <param name="config">The plugin's entry.</param>
    /// <param name="extra">Plugin types besides the built-in ones (tests).</param>
    /// <param name="curve">With <c>curve:</c>, the publish plugin's socket is a CURVE one of this gate.</param>
    public static IDistlogPlugin Create(PluginConfig config, IReadOnlyDictionary<string, Func<PluginSettings, IDistlogPlugin>>? extra = null, Security.CurveGate? curve = null)
    {
        Func<PluginSettings, IDistlogPlugin>? create = null;
        if (config.Settings.GetString("assembly") is { } assembly)
        {
            create = External(config, assembly);
        }
        else if (config.Type == "publish" && curve is not null)
        {
            create = settings => new PublishPlugin(settings, curve);
        }
        else if (extra?.TryGetValue(config.Type, out create) != true && !BuiltIn.TryGetValue(config.Type, out create))
        {
            throw config.Settings.Error("type", $"unknown plugin type '{config.Type}' (built in: {string.Join(", ", BuiltIn.Keys)}; " +
                "a plugin of your own also names its 'assembly')");
        }

        if (config.LongRetention is { } retention)
        {
            if (!s_withRetention.TryGetValue(config.Type, out var withRetention) || config.Settings.GetString("assembly") is not null)
            {
                throw config.Settings.Error("type", $"a plugin of type '{config.Type}' takes no 'long_retention' (stores that do: {string.Join(", ", s_withRetention.Keys)})");
            }

            create = settings => withRetention(settings, new LongRetention(retention.Match.Matches, retention.MaxAge));
        }

        var plugin = create!(config.Settings);
        string? unknown = config.Settings.Unread.FirstOrDefault();
        if (unknown is not null)
        {
            throw config.Settings.Error(unknown, $"unknown key '{unknown}' for a plugin of type '{config.Type}'");
        }

        return plugin;
    }

    /// <summary>A type from an assembly named by path (relative to the configuration file), loaded in its own context.</summary>
    private static Func<PluginSettings, IDistlogPlugin> External(PluginConfig config, string assembly)
    {
        var settings = config.Settings;
        string baseFolder = File.Exists(settings.Source) ? Path.GetDirectoryName(Path.GetFullPath(settings.Source))! : Environment.CurrentDirectory;
        string path = Path.GetFullPath(assembly, baseFolder);
        if (!File.Exists(path))
        {
            throw settings.Error("assembly", $"plugin assembly '{path}' does not exist");
        }

        Type? type;
        try
        {
            PluginLoadContext context;
            lock (s_contexts)
            {
                if (!s_contexts.TryGetValue(path, out context!))
                {
                    context = new PluginLoadContext(path);
                    s_contexts[path] = context;
                }
            }

            type = context.LoadFromAssemblyPath(path).GetType(config.Type, throwOnError: false);
        }
        catch (Exception ex) when (ex is BadImageFormatException or FileLoadException or IOException)
        {
            throw settings.Error("assembly", $"cannot load '{path}': {ex.Message}");
        }

        if (type is null || !typeof(IDistlogPlugin).IsAssignableFrom(type) || type.IsAbstract)
        {
            throw settings.Error("type", $"'{config.Type}' is not a plugin type in '{path}' (a public class implementing IDistlogPlugin)");
        }

        var withSettings = type.GetConstructor([typeof(PluginSettings)]);
        var parameterless = type.GetConstructor(Type.EmptyTypes);
        if (withSettings is null && parameterless is null)
        {
            throw settings.Error("type", $"'{config.Type}' needs a public constructor taking PluginSettings, or none");
        }

        return s =>
        {
            try
            {
                return (IDistlogPlugin)(withSettings is not null ? withSettings.Invoke([s]) : parameterless!.Invoke(null));
            }
            catch (System.Reflection.TargetInvocationException ex) when (ex.InnerException is PluginConfigurationException inner)
            {
                throw inner;
            }
            catch (System.Reflection.TargetInvocationException ex) when (ex.InnerException is not null)
            {
                throw s.Error("type", $"'{config.Type}' failed to start: {ex.InnerException.Message}");
            }
        };
    }
}
