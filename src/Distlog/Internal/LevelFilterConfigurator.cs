using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Distlog.Internal;

/// <summary>
/// Feeds the central level rules into MEL's own filtering: after the configuration's rules, it adds one
/// <see cref="LoggerFilterRule"/> per level rule, and tells MEL to make its filters again when the rules change. So a
/// disabled level still costs MEL's one cached check, creates no record, and every provider obeys (or only distlog,
/// with <see cref="LevelRuleScope.DistlogOnly"/>).
/// </summary>
/// <remarks>
/// Per-task levels cannot be a category's cached level: while one is in force (<see cref="TaskLevels.IsActive"/>),
/// every rule is lowered to Trace and given a filter that keeps its own level and lets lower calls through only
/// when <see cref="TaskLevels.Allows"/> — so only then does a call below the level cost a filter call. The change
/// token is replaced on each change; MEL reads a new one after each fires (any thread).
/// </remarks>
internal sealed class LevelFilterConfigurator : IPostConfigureOptions<LoggerFilterOptions>, IOptionsChangeTokenSource<LoggerFilterOptions>, IDisposable
{
    private static readonly string s_providerName = typeof(DistlogLoggerProvider).FullName!;
    private readonly LevelRuleState _state;
    private readonly IOptionsMonitor<DistlogOptions> _options;
    private CancellationTokenSource _changed = new();

    public LevelFilterConfigurator(LevelRuleState state, IOptionsMonitor<DistlogOptions> options)
    {
        _state = state;
        _options = options;
        _state.Changed += Signal;
        TaskLevels.Changed += Signal;
    }

    public string? Name => Options.DefaultName;

    public IChangeToken GetChangeToken() => new CancellationChangeToken(Volatile.Read(ref _changed).Token);

    public void PostConfigure(string? name, LoggerFilterOptions options)
    {
        var scope = _options.CurrentValue.LevelRules;
        if (scope == LevelRuleScope.Off)
        {
            return;
        }

        bool perTask = TaskLevels.IsActive;
        var rules = _state.Rules.Where(r => r.Task is null).ToList();
        if (rules.Count == 0 && !perTask)
        {
            return;
        }

        string? provider = scope == LevelRuleScope.DistlogOnly ? s_providerName : null;
        var list = options.Rules;
        if (provider is not null)
        {
            // distlog alone obeys: its selection must not fall back on the general rules, so it gets copies of them
            // (and of the minimum level) as its own, before the rules configured for it, which still win.
            var copies = list.Where(r => r.ProviderName is null).Select(r => new LoggerFilterRule(provider, r.CategoryName, r.LogLevel, r.Filter)).ToList();
            copies.Insert(0, new LoggerFilterRule(provider, null, options.MinLevel, null));
            for (int i = copies.Count - 1; i >= 0; i--)
            {
                list.Insert(0, copies[i]);
            }
        }
        else if (perTask)
        {
            // The minimum level as a rule, so that it too can be lowered for a task.
            list.Insert(0, new LoggerFilterRule(null, null, options.MinLevel, null));
        }

        foreach (var rule in rules)
        {
            list.Add(new LoggerFilterRule(provider, rule.Logger, LevelMap.ToLogLevel(rule.Level), null));
        }

        if (perTask)
        {
            for (int i = 0; i < list.Count; i++)
            {
                var rule = list[i];
                bool ours = provider is null || rule.ProviderName is "Distlog" || rule.ProviderName == s_providerName;
                if (ours && rule.LogLevel is not (null or LogLevel.Trace or LogLevel.None))
                {
                    list[i] = Lowered(rule);
                }
            }
        }
    }

    public void Dispose()
    {
        _state.Changed -= Signal;
        TaskLevels.Changed -= Signal;
    }

    private static LoggerFilterRule Lowered(LoggerFilterRule rule)
    {
        var level = rule.LogLevel!.Value;
        var filter = rule.Filter;
        return new LoggerFilterRule(rule.ProviderName, rule.CategoryName, LogLevel.Trace, (p, c, l) =>
            l >= level ? filter is null || filter(p, c, l) : TaskLevels.Allows(c, l));
    }

    private void Signal()
    {
        var previous = Interlocked.Exchange(ref _changed, new CancellationTokenSource());
        try
        {
            previous.Cancel();
        }
        finally
        {
            previous.Dispose();
        }
    }
}
