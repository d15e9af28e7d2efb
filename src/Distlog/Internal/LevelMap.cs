using Distlog.Protocol;
using Microsoft.Extensions.Logging;

namespace Distlog.Internal;

/// <summary>MEL's levels and the wire's level numbers (<see cref="Levels"/>), both ways.</summary>
internal static class LevelMap
{
    public static int ToLevelNo(LogLevel level) => level switch
    {
        LogLevel.Trace => Levels.Trace,
        LogLevel.Debug => Levels.Debug,
        LogLevel.Information => Levels.Info,
        LogLevel.Warning => Levels.Warning,
        LogLevel.Error => Levels.Error,
        LogLevel.Critical => Levels.Critical,
        _ => 0,
    };

    /// <summary>The MEL level of a level number: the highest MEL level at or below it.</summary>
    public static LogLevel ToLogLevel(int levelNo) => levelNo switch
    {
        >= Levels.Critical => LogLevel.Critical,
        >= Levels.Error => LogLevel.Error,
        >= Levels.Warning => LogLevel.Warning,
        >= Levels.Info => LogLevel.Information,
        >= Levels.Debug => LogLevel.Debug,
        _ => LogLevel.Trace,
    };
}
