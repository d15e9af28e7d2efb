using System.Globalization;
using Distlog.Protocol;

namespace Distlog.Query;

/// <summary>
/// Reads a <see cref="RecordQuery"/> from text, as people and scripts give it: the viewer's API parameters and the
/// <c>distlog</c> command's options. Names: <c>from</c>, <c>to</c> (a time, or an age such as <c>15m</c>, <c>2h</c>,
/// <c>1d</c>, or seconds since the Unix epoch as a record's <c>created</c>), <c>level</c>, <c>maxLevel</c> (a level name or number), <c>logger</c>, <c>system</c> (P, S, T),
/// <c>host</c>, <c>service</c>, <c>text</c>, <c>task</c>, and <c>FIELD=VALUE</c> texts for the context.
/// </summary>
public static class RecordQueryText
{
    /// <summary>The query the texts describe; blank texts set nothing.</summary>
    /// <param name="value">The text given for a name, or null.</param>
    /// <param name="context">The <c>FIELD=VALUE</c> texts.</param>
    /// <param name="label">How an error names a parameter (the command says <c>--max-level</c> for <c>maxLevel</c>).</param>
    /// <param name="assumeLocal">Whether a time without a zone is local (a terminal) rather than UTC (an API).</param>
    /// <exception cref="FormatException">A text cannot be read; the message names the parameter.</exception>
    public static RecordQuery Parse(Func<string, string?> value, IEnumerable<string> context, Func<string, string>? label = null, bool assumeLocal = false)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(context);
        label ??= name => name;
        string? Text(string name) => string.IsNullOrWhiteSpace(value(name)) ? null : value(name)!.Trim();

        int? Level(string name) =>
            Text(name) is not { } text ? null
            : Levels.TryParse(text, out int level) ? level
            : throw new FormatException($"{label(name)} wants a level name (DEBUG, INFO, WARNING, ERROR, CRITICAL) or number, got '{text}'");

        DateTimeOffset? Time(string name)
        {
            if (Text(name) is not { } text)
            {
                return null;
            }

            if (UnitDuration.TryParse(text, out var age))
            {
                // An age older than the calendar (found by fuzzing: 11111111115m) means from the beginning.
                var now = DateTimeOffset.UtcNow;
                return age >= now - DateTimeOffset.MinValue ? DateTimeOffset.MinValue : now - age;
            }

            // Seconds since the Unix epoch, as a record's created says (what a page of a list asks before).
            if (double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double seconds) && seconds is > 1e8 and < 1e11)
            {
                return DateTimeOffset.UnixEpoch.AddTicks((long)Math.Round(seconds * TimeSpan.TicksPerSecond));
            }

            var style = assumeLocal ? DateTimeStyles.AssumeLocal : DateTimeStyles.AssumeUniversal;
            return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, style, out var time) ? time
                : throw new FormatException($"{label(name)} wants a time (2026-11-25T12:00Z) or an age (15m, 2h, 1d), got '{text}'");
        }

        var pairs = new List<KeyValuePair<string, string>>();
        foreach (string pair in context)
        {
            int equals = pair.IndexOf('=', StringComparison.Ordinal);
            pairs.Add(equals > 0 ? new(pair[..equals], pair[(equals + 1)..]) : throw new FormatException($"{label("context")} wants FIELD=VALUE, got '{pair}'"));
        }

        return new RecordQuery
        {
            From = Time("from"),
            To = Time("to"),
            MinLevel = Level("level"),
            MaxLevel = Level("maxLevel"),
            LoggerPrefix = Text("logger"),
            System = Text("system") is { } system
                ? system.Length == 1 && Topic.IsValidSystem(char.ToUpperInvariant(system[0])) ? char.ToUpperInvariant(system[0])
                    : throw new FormatException($"{label("system")} must be P, S or T, got '{system}'")
                : null,
            Hostname = Text("host"),
            Service = Text("service"),
            Text = Text("text"),
            Task = Text("task"),
            Context = pairs,
        };
    }
}
