using System.Collections.Concurrent;
using Distlog.Protocol.Control;
using Microsoft.Extensions.Logging;

namespace Distlog.Internal;

/// <summary>
/// Per-task levels in this process: the rules bound to a task (from every provider's session) and the raised levels
/// handed over in foreign task ids. While any is in force, <see cref="LevelFilterConfigurator"/> lets calls below the
/// configured level through MEL's filters to <see cref="Allows"/>, which asks the current task.
/// </summary>
/// <remarks>Process-wide, as the current task is. Writers publish whole arrays; readers never lock.</remarks>
internal static class TaskLevels
{
    private static readonly ConcurrentDictionary<object, LevelRule[]> s_byOwner = new(ReferenceEqualityComparer.Instance);
    private static readonly object s_gate = new();
    private static LevelRule[] s_rules = [];
    private static long s_raisedUntilTicks;
    private static Timer? s_raisedEnd;

    /// <summary>Raised when <see cref="IsActive"/> may have changed; MEL's filters must then be made again.</summary>
    public static event Action? Changed;

    /// <summary>The task rules in force in this process.</summary>
    public static IReadOnlyList<LevelRule> Rules => Volatile.Read(ref s_rules);

    /// <summary>Whether any per-task level can apply now.</summary>
    public static bool IsActive => Volatile.Read(ref s_rules).Length > 0 || DateTimeOffset.UtcNow.UtcTicks < Interlocked.Read(ref s_raisedUntilTicks);

    public static void Publish(object owner, LevelRule[] taskRules)
    {
        bool was;
        lock (s_gate)
        {
            was = Volatile.Read(ref s_rules).Length > 0;
            if (taskRules.Length == 0)
            {
                s_byOwner.TryRemove(owner, out _);
            }
            else
            {
                s_byOwner[owner] = taskRules;
            }

            Volatile.Write(ref s_rules, [.. s_byOwner.Values.SelectMany(r => r)]);
        }

        // A provider's own Changed already remakes its filters; the others must know when the first rule comes or the last goes.
        if (was != (Volatile.Read(ref s_rules).Length > 0))
        {
            Changed?.Invoke();
        }
    }

    public static void Withdraw(object owner) => Publish(owner, []);

    /// <summary>Notes that a task imported here runs at a raised level until <paramref name="until"/>.</summary>
    public static void NoteRaised(DateTimeOffset until)
    {
        bool wasActive = IsActive;
        lock (s_gate)
        {
            if (until.UtcTicks <= Interlocked.Read(ref s_raisedUntilTicks))
            {
                return;
            }

            Interlocked.Exchange(ref s_raisedUntilTicks, until.UtcTicks);
            var due = until - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(10);
            s_raisedEnd?.Dispose();
            s_raisedEnd = new Timer(static _ => Changed?.Invoke(), null, due > TimeSpan.Zero ? due : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        }

        if (!wasActive)
        {
            Changed?.Invoke();
        }
    }

    /// <summary>The filter behind every MEL rule while per-task levels are in force: whether the current task logs
    /// <paramref name="category"/> at <paramref name="level"/>, below what the rule itself allows.</summary>
    public static bool Allows(string? category, LogLevel level) =>
        DistlogTask.Current is { } task && task.RaisedLevel(category ?? string.Empty, DateTimeOffset.UtcNow) <= LevelMap.ToLevelNo(level);
}
