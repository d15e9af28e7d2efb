using Distlog.Protocol;

namespace Distlog.Cli;

/// <summary>How records look on a terminal: level colours (ANSI), times, one-line records.</summary>
internal sealed class Style(bool color, bool utc)
{
    private const string Reset = "\u001b[0m";

    public bool Color { get; } = color;

    /// <summary>Colour when asked (<c>always</c>), never when asked or when NO_COLOR is set or output is redirected.</summary>
    public static bool ColorFor(string mode) => mode switch
    {
        "always" => true,
        "never" => false,
        _ => !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("NO_COLOR") is null,
    };

    public string Time(double created)
    {
        var time = DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(created * 1000));
        return (utc ? time.UtcDateTime : time.LocalDateTime).ToString("yyyy-MM-dd HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture);
    }

    public string Level(LogRecord record)
    {
        string name = (record.LevelName ?? Levels.NameOf(record.LevelNo)).PadRight(8);
        if (!Color)
        {
            return name;
        }

        string code = record.LevelNo switch
        {
            >= Levels.Critical => "\u001b[1;31m",
            >= Levels.Error => "\u001b[31m",
            >= Levels.Warning => "\u001b[33m",
            >= Levels.Info => "\u001b[32m",
            _ => "\u001b[2m",
        };
        return code + name + Reset;
    }

    public string Dim(string text) => Color ? "\u001b[2m" + text + Reset : text;

    public string Bold(string text) => Color ? "\u001b[1m" + text + Reset : text;

    /// <summary><c>time LEVEL logger: message</c>, the exception below it when there is one; record text shows its
    /// control characters as escapes (<see cref="Visible"/>).</summary>
    public string Line(LogRecord record) =>
        $"{Dim(Time(record.Created))} {Level(record)} {Visible(record.Name)}: {Visible(record.Message)}" +
        (string.IsNullOrEmpty(record.ExcText) ? string.Empty : Environment.NewLine + Visible(record.ExcText, keepLines: true));

    /// <summary>
    /// Text from a record, safe to print on a terminal: every control character (ESC, BEL, CR, DEL, C1…) becomes a
    /// visible escape such as <c>\x1b</c>, so a record cannot clear the screen or retitle the window. With
    /// <paramref name="keepLines"/>, line feeds and tabs stay (an exception's stack).
    /// </summary>
    public static string Visible(string? text, bool keepLines = false)
    {
        if (string.IsNullOrEmpty(text) || !text.Any(c => NeedsEscape(c, keepLines)))
        {
            return text ?? string.Empty;
        }

        var visible = new System.Text.StringBuilder(text.Length + 16);
        foreach (char c in text)
        {
            if (NeedsEscape(c, keepLines))
            {
                visible.Append(c <= 0xff ? $"\\x{(int)c:x2}" : $"\\u{(int)c:x4}");
            }
            else
            {
                visible.Append(c);
            }
        }

        return visible.ToString();
    }

    private static bool NeedsEscape(char c, bool keepLines) =>
        (char.IsControl(c) || c is '\u2028' or '\u2029') && !(keepLines && c is '\n' or '\t');
}
