using System.Collections.Concurrent;
using Distlog.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Distlog;

/// <summary>
/// The distlog <see cref="ILoggerProvider"/>: every record logged through Microsoft.Extensions.Logging, with its
/// task key, task data and scopes, is queued and sent over a ZeroMQ PUSH socket to distlogd.
/// </summary>
/// <remarks>
/// Register it with <see cref="DistlogLoggingBuilderExtensions.AddDistlog(ILoggingBuilder, Action{DistlogOptions})"/>.
/// Log calls never block (unless <see cref="OverflowPolicy.Block"/> is chosen) and never throw; the message is
/// rendered and encoded on the provider's own sender thread. Dispose delivers what is queued within
/// <see cref="DistlogOptions.FlushTimeout"/>; at process exit, a provider still open is disposed, and the exit
/// waits (at most that long) for NetMQ to put the last messages on the wire.
/// </remarks>
[ProviderAlias("Distlog")]
public sealed class DistlogLoggerProvider : ILoggerProvider, ISupportExternalScope, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, DistlogLogger> _loggers = new(StringComparer.Ordinal);
    private readonly SelfLog _selfLog;
    private readonly DistlogOptions _options;
    private readonly AckInbox? _acks;

    /// <summary>Creates the provider from options bound by the host (<c>Logging:Distlog</c>).</summary>
    public DistlogLoggerProvider(IOptionsMonitor<DistlogOptions> options)
        : this((options ?? throw new ArgumentNullException(nameof(options))).CurrentValue)
    {
    }

    /// <summary>Creates the provider with explicit options (for use without dependency injection).</summary>
    /// <remarks>Central level rules reach MEL's filters only through <c>AddDistlog</c>; a provider made so keeps its
    /// session with distlogd (it is listed among the components) but applies no rules.</remarks>
    public DistlogLoggerProvider(DistlogOptions options)
        : this(options, new LevelRuleState())
    {
    }

    internal DistlogLoggerProvider(DistlogOptions options, LevelRuleState levelRules)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        TimeProvider = options.TimeProvider ?? TimeProvider.System;
        _selfLog = new SelfLog(options.SelfLog, TimeProvider);
        // With a session, the sender stamps its messages and distlogd acknowledges them on the session.
        string? control = ControlSession.EndpointFor(options);
        CurveKeys? curve = null;
        string? curveError = null;
        try
        {
            curve = CurveKeys.From(options.Curve);
        }
        catch (FormatException ex)
        {
            // Never in the clear instead: nothing is sent, and every record is counted as dropped.
            curveError = ex.Message;
            control = null;
        }

        _acks = control is null ? null : new AckInbox(Guid.NewGuid().ToString("N"));
        Sender = new RecordSender(options, _selfLog, () => curveError is null
            ? CreateTransport(options, _selfLog, LibzmqPushTransport.IsAvailable, curve)
            : throw new FormatException(curveError), _acks);
        if (control is not null)
        {
            Session = new ControlSession(control, options, levelRules, () => Sender.Statistics, _selfLog, _acks!, curve);
        }

        ProcessExitFlush.Track(this, options.FlushTimeout);
    }

    /// <summary>Makes the sender's socket (on the sender thread): libzmq's when asked for (or left to choose) and
    /// loadable, else NetMQ's — saying so only when libzmq was asked for by name.</summary>
    internal static IRecordTransport CreateTransport(DistlogOptions options, SelfLog selfLog, bool libzmqLoads, CurveKeys? curve = null)
    {
        if (options.Transport is DistlogTransport.Libzmq or DistlogTransport.Auto)
        {
            if (libzmqLoads)
            {
                return new LibzmqPushTransport(options.Endpoint, options.SendHighWatermark, curve);
            }

            if (options.Transport == DistlogTransport.Libzmq)
            {
                selfLog.Report("transport", "the libzmq transport was asked for but libzmq (libzmq.so.5) cannot be loaded; sending through NetMQ instead");
            }
        }

        return new NetMqPushTransport(options.Endpoint, options.SendHighWatermark, curve);
    }

    /// <summary>The provider's counters now.</summary>
    public DistlogStatistics Statistics => Sender.Statistics;

    internal RecordSender Sender { get; }

    /// <summary>The session with distlogd, or null when <see cref="DistlogOptions.ControlEndpoint"/> is off.</summary>
    internal ControlSession? Session { get; }

    internal TimeProvider TimeProvider { get; }

    internal IExternalScopeProvider? ScopeProvider { get; private set; }

    /// <inheritdoc/>
    public ILogger CreateLogger(string categoryName) =>
        _loggers.GetOrAdd(categoryName ?? string.Empty, static (name, provider) => new DistlogLogger(name, provider), this);

    /// <inheritdoc/>
    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => ScopeProvider = scopeProvider;

    /// <summary>Waits until every record logged before the call has been handed to the socket.</summary>
    /// <param name="timeout">The longest to wait.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns><see langword="false"/> when the timeout passed first (the daemon is unreachable, say).</returns>
    public Task<bool> FlushAsync(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        Sender.FlushAsync(timeout, cancellationToken);

    /// <summary>Delivers what is queued (at most <see cref="DistlogOptions.FlushTimeout"/>) and closes the socket.</summary>
    public void Dispose()
    {
        Sender.Dispose(); // waits (FlushTimeout at most) for the acknowledgements, which come through the session
        Session?.Dispose();
        _acks?.Dispose();
        ProcessExitFlush.Untrack(this);
    }

    /// <inheritdoc cref="Dispose"/>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    internal void ReportLoggingFailure(Exception ex) =>
        _selfLog.Report("log", $"a log call failed inside distlog and its record was dropped: {ex.GetType().Name}: {ex.Message}");
}
