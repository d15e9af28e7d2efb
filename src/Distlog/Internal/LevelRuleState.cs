using Distlog.Protocol.Control;

namespace Distlog.Internal;

/// <summary>
/// The central level rules this process obeys now: those of distlogd's rules that select its service, host and
/// system, less those that ended. <see cref="LevelFilterConfigurator"/> turns them into MEL filter rules.
/// </summary>
/// <remarks>The session thread alone writes (<see cref="Replace"/>, <see cref="Sweep"/>); anyone reads the
/// immutable array. <see cref="Changed"/> is raised on the writing thread.</remarks>
internal sealed class LevelRuleState
{
    private LevelRule[] _rules = [];

    /// <summary>Raised after the rules changed.</summary>
    public event Action? Changed;

    /// <summary>The rules, least specific first (so that, among MEL rules of the same category, the most specific
    /// comes last and wins).</summary>
    public IReadOnlyList<LevelRule> Rules => Volatile.Read(ref _rules);

    /// <summary>When the next rule ends, if any does.</summary>
    public DateTimeOffset? NextExpiry => Volatile.Read(ref _rules).Where(r => r.ExpiresAt is not null).Select(r => r.ExpiresAt).Min();

    /// <summary>Takes a new set of rules (already those that select this process).</summary>
    public void Replace(IEnumerable<LevelRule> rules, DateTimeOffset now)
    {
        var next = rules.Where(r => !r.IsExpired(now)).OrderBy(r => r.Specificity).ThenBy(r => r.SetAt).ToArray();
        var current = Volatile.Read(ref _rules);
        if (next.SequenceEqual(current))
        {
            return;
        }

        Volatile.Write(ref _rules, next);
        TaskLevels.Publish(this, [.. next.Where(r => r.Task is not null)]);
        Changed?.Invoke();
    }

    /// <summary>Ends the rules whose time is up, here, whether or not distlogd is there to say so.</summary>
    public void Sweep(DateTimeOffset now)
    {
        var current = Volatile.Read(ref _rules);
        if (current.Any(r => r.IsExpired(now)))
        {
            Replace(current, now);
        }
    }

    /// <summary>Withdraws this state's task rules from the process (the provider closed).</summary>
    public void Withdraw() => TaskLevels.Withdraw(this);
}
