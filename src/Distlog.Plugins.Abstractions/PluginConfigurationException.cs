namespace Distlog.Plugins;

/// <summary>A configuration error, naming the file, line and key it is about.</summary>
public sealed class PluginConfigurationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PluginConfigurationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public PluginConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with no message.</summary>
    public PluginConfigurationException()
        : base("invalid configuration")
    {
    }
}
