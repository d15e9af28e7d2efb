using Distlog.Protocol;
using StackExchange.Redis;

namespace Distlog.Storage.Tests.Support;

/// <summary>Reads a stream entry the way an outside consumer of the documented layout would.</summary>
internal static class RedisLayoutProbe
{
    public static string Message(StreamEntry entry) => JsonRecordCodec.Default.Decode((byte[])entry["P"]!).Message!;
}
