using Distlog.Protocol;

namespace Distlog.Tests.Support;

internal static class RecordAssertions
{
    public static string? Key(this LogRecord record) => record.Context?.Key;

    public static object? Data(this LogRecord record, string name) =>
        record.Context?.Data.FirstOrDefault(p => p.Key == name).Value;

    public static object? Arg(this LogRecord record, string name) =>
        record.Args is Dictionary<string, object?> map && map.TryGetValue(name, out object? value) ? value : null;
}
