namespace Distlog.Plugins;

/// <summary>
/// Thrown by <see cref="IDistlogPlugin.HandleAsync"/> when what the plugin writes to is unreachable for now (a
/// database restarting, a network partition). The daemon keeps the batch and retries it with backoff for as long
/// as it takes, while new records wait in the plugin's bounded queue; only what overflows that queue is dropped,
/// counted and reported. Any other exception counts as a failure of the batch and is retried a few times only.
/// </summary>
public sealed class PluginUnavailableException : Exception
{
    /// <summary>Creates the exception with what is unreachable.</summary>
    public PluginUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with what is unreachable and the error that says so.</summary>
    public PluginUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public PluginUnavailableException()
        : base("the plugin's store is unavailable")
    {
    }
}
