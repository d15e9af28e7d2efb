using Distlog.Protocol;
using StackExchange.Redis;

namespace Distlog.Storage.Tests.Support;

/// <summary>Reads a stream entry the way an outside consumer of the documented layout would: every field/value
/// pair of an entry is a record (field: its system letter; value: its JSON).</summary>
internal static class RedisLayoutProbe
{
    public static IEnumerable<string> Messages(StreamEntry entry) =>
        entry.Values.Select(pair => JsonRecordCodec.Default.Decode((byte[])pair.Value!).Message!);
}
