using System.Globalization;

namespace Distlog;

/// <summary>
/// A duration written as a number and a unit — <c>500ms</c>, <c>10s</c>, <c>5m</c>, <c>1h</c>, <c>1d</c> — as the
/// configuration file, the <c>distlog</c> command and the viewer's API all take it. Compiled into each assembly that
/// reads one (the plugin contract and the query model share no assembly of their own where it would belong).
/// </summary>
internal static class UnitDuration
{
    private static readonly (string Unit, double Ms)[] s_units = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)];

    // The longest duration a TimeSpan holds, in milliseconds (more, such as 1e400s, is no duration).
    private static readonly double s_maxMs = TimeSpan.MaxValue.TotalMilliseconds;

    /// <summary>Reads a non-negative number followed by a unit (case ignored); <see langword="false"/> for anything
    /// else, a duration too long for a <see cref="TimeSpan"/> included.</summary>
    public static bool TryParse(string text, out TimeSpan value)
    {
        foreach (var (unit, ms) in s_units)
        {
            if (text.EndsWith(unit, StringComparison.OrdinalIgnoreCase) &&
                double.TryParse(text[..^unit.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out double n) && n >= 0 &&
                n * ms < s_maxMs)
            {
                value = TimeSpan.FromMilliseconds(n * ms);
                return true;
            }
        }

        value = default;
        return false;
    }
}
