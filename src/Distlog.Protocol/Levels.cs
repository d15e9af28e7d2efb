namespace Distlog.Protocol;

/// <summary>Python's numeric log levels, which distlog uses on the wire (<c>levelno</c>, <c>levelname</c>).</summary>
public static class Levels
{
    /// <summary>TRACE, below Python's DEBUG (.NET's <c>LogLevel.Trace</c>).</summary>
    public const int Trace = 5;

    /// <summary>DEBUG.</summary>
    public const int Debug = 10;

    /// <summary>INFO.</summary>
    public const int Info = 20;

    /// <summary>WARNING.</summary>
    public const int Warning = 30;

    /// <summary>ERROR.</summary>
    public const int Error = 40;

    /// <summary>CRITICAL.</summary>
    public const int Critical = 50;

    /// <summary>Python's name for a level number; <c>Level N</c> for numbers between the named ones, as Python does.</summary>
    public static string NameOf(int levelNo) => levelNo switch
    {
        Trace => "TRACE",
        Debug => "DEBUG",
        Info => "INFO",
        Warning => "WARNING",
        Error => "ERROR",
        Critical => "CRITICAL",
        0 => "NOTSET",
        _ => "Level " + levelNo.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>Parses a level name (case-insensitive, <c>WARN</c> and <c>FATAL</c> accepted) or a number.</summary>
    public static bool TryParse(string text, out int levelNo)
    {
        ArgumentNullException.ThrowIfNull(text);
        switch (text.Trim().ToUpperInvariant())
        {
            case "TRACE": levelNo = Trace; return true;
            case "DEBUG": levelNo = Debug; return true;
            case "INFO" or "INFORMATION": levelNo = Info; return true;
            case "WARNING" or "WARN": levelNo = Warning; return true;
            case "ERROR": levelNo = Error; return true;
            case "CRITICAL" or "FATAL": levelNo = Critical; return true;
            default:
                return int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out levelNo);
        }
    }
}
