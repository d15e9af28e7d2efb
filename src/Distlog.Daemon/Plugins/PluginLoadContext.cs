using System.Reflection;
using System.Runtime.Loader;

namespace Distlog.Daemon.Plugins;

/// <summary>
/// Loads an external plugin assembly and its own dependencies in a context of their own, so two plugins may use
/// different versions of a library. The contract (<c>Distlog.Plugins.Abstractions</c>, <c>Distlog.Protocol</c>) and
/// the framework come from the daemon, so the plugin's <c>IDistlogPlugin</c> is the daemon's.
/// </summary>
internal sealed class PluginLoadContext(string pluginPath) : AssemblyLoadContext($"plugin:{Path.GetFileName(pluginPath)}", isCollectible: false)
{
    private static readonly HashSet<string> s_shared = ["Distlog.Plugins.Abstractions", "Distlog.Protocol", "MessagePack", "MessagePack.Annotations"];
    private readonly AssemblyDependencyResolver _resolver = new(pluginPath);

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (assemblyName.Name is { } name && s_shared.Contains(name))
        {
            return null;
        }

        string? path = _resolver.ResolveAssemblyToPath(assemblyName);
        return path is null ? null : LoadFromAssemblyPath(path);
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        string? path = _resolver.ResolveUnmanagedDllToPath(unmanagedDllName);
        return path is null ? IntPtr.Zero : LoadUnmanagedDllFromPath(path);
    }
}
