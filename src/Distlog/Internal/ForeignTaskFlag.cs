using System.Globalization;
using Distlog.Protocol;

namespace Distlog.Internal;

/// <summary>
/// The raised level a foreign task id may carry after its id: <c>!</c>, the level's letter (<c>T</c> Trace,
/// <c>D</c> Debug, <c>I</c> Information, <c>W</c>, <c>E</c>, <c>C</c>) and the seconds it has left, e.g.
/// <c>e252…/1/3!D600</c>. Seconds, not a time, so the two hosts' clocks need not agree.
/// </summary>
internal static class ForeignTaskFlag
{
    /// <summary>How long a task rule that lasts until cleared is handed on for: the callee hears of its end no
    /// sooner than it hears of the rule through its own session.</summary>
    public static readonly TimeSpan UnboundedHold = TimeSpan.FromMinutes(30);

    private static readonly TimeSpan s_maxHold = TimeSpan.FromDays(1);

    public static string Append(string id, int level, TimeSpan left)
    {
        char letter = level switch
        {
            <= Levels.Trace => 'T',
            <= Levels.Debug => 'D',
            <= Levels.Info => 'I',
            <= Levels.Warning => 'W',
            <= Levels.Error => 'E',
            _ => 'C',
        };
        long seconds = Math.Max(1, (long)Math.Ceiling(left.TotalSeconds));
        return string.Create(CultureInfo.InvariantCulture, $"{id}!{letter}{seconds}");
    }

    /// <summary>The id without its flag, and the raised level (<see cref="int.MaxValue"/>: none) and for how long.
    /// A flag that cannot be read is ignored, never an error.</summary>
    public static (string? Id, int Level, TimeSpan For) Split(string? foreignId)
    {
        int bang = foreignId?.IndexOf('!', StringComparison.Ordinal) ?? -1;
        if (bang < 0)
        {
            return (foreignId, int.MaxValue, TimeSpan.Zero);
        }

        string id = foreignId![..bang];
        string flag = foreignId[(bang + 1)..];
        int level = flag.Length > 1 ? flag[0] switch
        {
            'T' => Levels.Trace,
            'D' => Levels.Debug,
            'I' => Levels.Info,
            'W' => Levels.Warning,
            'E' => Levels.Error,
            'C' => Levels.Critical,
            _ => int.MaxValue,
        } : int.MaxValue;
        if (level == int.MaxValue || !long.TryParse(flag.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out long seconds) || seconds <= 0)
        {
            return (id, int.MaxValue, TimeSpan.Zero);
        }

        var hold = TimeSpan.FromSeconds(Math.Min(seconds, s_maxHold.TotalSeconds));
        return (id, level, hold);
    }
}
