using System.Globalization;

namespace Distlog.Plugins;

/// <summary>
/// The settings of one plugin from the daemon's configuration file: scalar values by key, each knowing where it
/// was written, so that every error names the file, line and key.
/// </summary>
/// <remarks>A plugin reads the keys it knows; the host then rejects any key nobody read (<see cref="Unread"/>),
/// so a misspelt key is an error, not a silently ignored setting.</remarks>
public sealed class PluginSettings
{
    private readonly Dictionary<string, (string? Value, int Line)> _values;
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    /// <summary>Creates settings from key, value and line triples.</summary>
    /// <param name="source">The configuration file's path, for messages.</param>
    /// <param name="line">The line of the plugin's entry.</param>
    /// <param name="values">Scalar values by key, with their lines.</param>
    public PluginSettings(string source, int line, IReadOnlyDictionary<string, (string? Value, int Line)> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        Source = source;
        Line = line;
        _values = new Dictionary<string, (string? Value, int Line)>(values, StringComparer.Ordinal);
    }

    /// <summary>The configuration file.</summary>
    public string Source { get; }

    /// <summary>
    /// Where the plugin reports trouble that no batch carries — a background task failing, say — in one sentence:
    /// the daemon logs it as a warning naming the plugin. Trouble handling a batch is thrown instead, so that the
    /// host retries and counts it. Does nothing unless a host set it.
    /// </summary>
    public Action<string> Report { get; set; } = static _ => { };

    /// <summary>The line of the plugin's entry.</summary>
    public int Line { get; }

    /// <summary>Keys present but never read.</summary>
    public IEnumerable<string> Unread => _values.Keys.Where(k => !_read.Contains(k));

    /// <summary>Where a key was written, as <c>file:line</c>.</summary>
    public string Where(string key) => _values.TryGetValue(key, out var v) ? $"{Source}:{v.Line}" : $"{Source}:{Line}";

    /// <summary>A string value, or <paramref name="defaultValue"/> when the key is absent.</summary>
    public string? GetString(string key, string? defaultValue = null)
    {
        _read.Add(key);
        return _values.TryGetValue(key, out var v) ? v.Value : defaultValue;
    }

    /// <summary>A string value that must be present.</summary>
    public string GetRequiredString(string key) =>
        GetString(key) is { Length: > 0 } value ? value : throw Error(key, $"'{key}' is required");

    /// <summary>An integer value (suffixes k, M, G multiply by 1024s).</summary>
    public long GetInt64(string key, long defaultValue)
    {
        string? text = GetString(key);
        if (text is null)
        {
            return defaultValue;
        }

        long multiplier = 1;
        string digits = text.Trim();
        if (digits.Length > 1 && char.ToUpperInvariant(digits[^1]) is 'K' or 'M' or 'G')
        {
            multiplier = char.ToUpperInvariant(digits[^1]) switch { 'K' => 1024L, 'M' => 1024L * 1024, _ => 1024L * 1024 * 1024 };
            digits = digits[..^1];
        }

        return long.TryParse(digits, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value) && value >= 0
            ? checked(value * multiplier)
            : throw Error(key, $"'{key}' must be a non-negative whole number, got '{text}'");
    }

    /// <summary>A boolean value.</summary>
    public bool GetBoolean(string key, bool defaultValue)
    {
        string? text = GetString(key);
        return text is null ? defaultValue : text.Trim().ToLowerInvariant() switch
        {
            "true" or "yes" or "on" => true,
            "false" or "no" or "off" => false,
            _ => throw Error(key, $"'{key}' must be true or false, got '{text}'"),
        };
    }

    /// <summary>A duration: <c>500ms</c>, <c>10s</c>, <c>5m</c>, <c>1h</c>, <c>1d</c>, or <c>hh:mm:ss</c>.</summary>
    public TimeSpan GetDuration(string key, TimeSpan defaultValue)
    {
        string? text = GetString(key);
        if (text is null)
        {
            return defaultValue;
        }

        return TryParseDuration(text, out var value) ? value : throw Error(key, $"'{key}' must be a duration such as 500ms, 10s, 5m, 1h, got '{text}'");
    }

    /// <summary>An error about <paramref name="key"/>, naming where it was written.</summary>
    public PluginConfigurationException Error(string key, string message) => new($"{Where(key)}: {message}");

    /// <summary>Parses <c>500ms</c>, <c>10s</c>, <c>5m</c>, <c>1h</c>, <c>1d</c> or <c>hh:mm:ss</c>.</summary>
    public static bool TryParseDuration(string text, out TimeSpan value)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = text.Trim();
        if (UnitDuration.TryParse(text, out value))
        {
            return true;
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out value) && value >= TimeSpan.Zero;
    }
}
