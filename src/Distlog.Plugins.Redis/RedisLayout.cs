using Distlog.Protocol;
using Distlog.Query;
using StackExchange.Redis;

namespace Distlog.Plugins.Redis;

/// <summary>
/// Where the Redis store keeps what: the stream <c>{stream}</c> (entries <c>s</c> = system, <c>r</c> = record
/// JSON), one list per root task <c>{stream}:task:{root}</c> (values: the system letter then the JSON) and the
/// sorted set <c>{stream}:tasks</c> of root ids by first record time. Plugin and reader share it.
/// </summary>
internal sealed class RedisLayout(string stream)
{
    public const string SystemField = "s";
    public const string RecordField = "r";

    public RedisKey Stream { get; } = stream;

    public RedisKey Tasks { get; } = stream + ":tasks";

    public RedisKey Task(string rootId) => $"{stream}:task:{rootId}";

    public static RedisValue TaskValue(char system, ReadOnlySpan<byte> json)
    {
        var value = new byte[json.Length + 1];
        value[0] = (byte)system;
        json.CopyTo(value.AsSpan(1));
        return value;
    }

    public static StoredRecord FromTaskValue(string id, byte[] value) =>
        new(id, (char)value[0], JsonRecordCodec.Default.Decode(value.AsMemory(1)));

    public static StoredRecord FromEntry(StreamEntry entry)
    {
        var system = entry[SystemField];
        var json = (byte[])entry[RecordField]!;
        return new StoredRecord(entry.Id!, system.IsNullOrEmpty ? 'P' : ((string)system!)[0], JsonRecordCodec.Default.Decode(json));
    }

    /// <summary>The milliseconds part of a stream entry id (when Redis added it).</summary>
    public static long MillisecondsOf(string id)
    {
        int dash = id.IndexOf('-', StringComparison.Ordinal);
        return long.TryParse(dash < 0 ? id : id[..dash], out long ms) ? ms : throw new ArgumentException($"'{id}' is not a cursor of this Redis store", nameof(id));
    }
}
