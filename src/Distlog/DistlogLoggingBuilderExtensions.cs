using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Distlog.Http;
using Distlog.Internal;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Logging.Configuration;
using Microsoft.Extensions.Options;

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
        var services = builder.Services;
        services.TryAddSingleton<LevelRuleState>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ILoggerProvider, DistlogLoggerProvider>(
            sp => new DistlogLoggerProvider(sp.GetRequiredService<IOptionsMonitor<DistlogOptions>>().CurrentValue, sp.GetRequiredService<LevelRuleState>())));
        LoggerProviderOptions.RegisterProviderOptions<DistlogOptions, DistlogLoggerProvider>(services);

        // The central level rules, through MEL's own filters (see LevelFilterConfigurator).
        services.TryAddSingleton<LevelFilterConfigurator>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<LoggerFilterOptions>, LevelFilterConfigurator>(sp => sp.GetRequiredService<LevelFilterConfigurator>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IOptionsChangeTokenSource<LoggerFilterOptions>, LevelFilterConfigurator>(sp => sp.GetRequiredService<LevelFilterConfigurator>()));

        // Requests across services (DistlogHttpOptions): out through IHttpClientFactory, in through ASP.NET Core's hosting.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHttpMessageHandlerBuilderFilter, PropagationHandlerFilter>());
        services.TryAddSingleton<IncomingRequests>();
        IncomingRequests.Listen();
        return builder;
    }

    /// <summary>Adds the distlog provider, sending to <paramref name="endpoint"/>.</summary>
    /// <param name="builder">The logging builder.</param>
    /// <param name="endpoint">The daemon's ZeroMQ endpoint; overrides <c>Logging:Distlog:Endpoint</c>.</param>
    /// <param name="configure">Further settings, applied after configuration.</param>
    /// <returns>The builder.</returns>
    public static ILoggingBuilder AddDistlog(this ILoggingBuilder builder, string endpoint, Action<DistlogOptions>? configure = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(endpoint);
        return builder.AddDistlog(options =>
        {
            options.Endpoint = endpoint;
            configure?.Invoke(options);
        });
    }

    /// <summary>Adds the distlog provider, configured from <c>Logging:Distlog</c>, then by <paramref name="configure"/>:
    /// what it does not set (the endpoint, say) stays as configuration says.</summary>
    /// <param name="builder">The logging builder.</param>
    /// <param name="configure">Further settings, applied after configuration.</param>
    /// <returns>The builder.</returns>
    public static ILoggingBuilder AddDistlog(this ILoggingBuilder builder, Action<DistlogOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        builder.AddDistlog();
        builder.Services.Configure(configure);
        return builder;
    }
}
