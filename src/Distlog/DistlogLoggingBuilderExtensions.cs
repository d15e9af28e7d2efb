using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Configuration;

namespace Distlog;

/// <summary>Adds distlog to a logging set-up.</summary>
public static class DistlogLoggingBuilderExtensions
{
    /// <summary>Adds the distlog provider, configured from <c>Logging:Distlog</c> only.</summary>
    /// <param name="builder">The logging builder.</param>
    /// <returns>The builder.</returns>
    public static ILoggingBuilder AddDistlog(this ILoggingBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddConfiguration();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<ILoggerProvider, DistlogLoggerProvider>());
        LoggerProviderOptions.RegisterProviderOptions<DistlogOptions, DistlogLoggerProvider>(builder.Services);
        return builder;
    }

    /// <summary>Adds the distlog provider, sending to <paramref name="endpoint"/>.</summary>
    /// <param name="builder">The logging builder.</param>
    /// <param name="endpoint">The daemon's ZeroMQ endpoint; overrides <c>Logging:Distlog:Endpoint</c>.</param>
    /// <param name="configure">Further settings, applied after configuration.</param>
    /// <returns>The builder.</returns>
    public static ILoggingBuilder AddDistlog(this ILoggingBuilder builder, string endpoint = DistlogOptions.DefaultEndpoint, Action<DistlogOptions>? configure = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(endpoint);
        builder.AddDistlog();
        builder.Services.Configure<DistlogOptions>(options =>
        {
            options.Endpoint = endpoint;
            configure?.Invoke(options);
        });
        return builder;
    }
}
