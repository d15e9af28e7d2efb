using Distlog.Protocol;
using Distlog.Query;
using StackExchange.Redis;

namespace Distlog.Plugins.Redis;

/// <summary>
/// Where the Redis store keeps what: the stream <c>{stream}</c>, whose entries have one field named by the system
/// (<c>P</c>, <c>S</c> or <c>T</c>) holding the record's JSON; one list per root task <c>{stream}:task:{root}</c>
/// whose values are its records' stream entry ids (one value a written batch, ids separated by spaces); and the
/// sorted set <c>{stream}:tasks</c> of root ids by first record time. Plugin and reader share it.
/// </summary>
internal sealed class RedisLayout(string stream)
{
    private static readonly RedisValue[] s_systems = [(RedisValue)"P", (RedisValue)"S", (RedisValue)"T"];

    public RedisKey Stream { get; } = stream;

    public RedisKey Tasks { get; } = stream + ":tasks";

    public RedisKey TaskList(string rootId) => $"{stream}:task:{rootId}";

    /// <summary>The field name of an entry: the system letter, made once.</summary>
    public static RedisValue SystemField(char system) => system switch
    {
        'P' => s_systems[0],
        'S' => s_systems[1],
        'T' => s_systems[2],
        _ => system.ToString(),
    };

    public static StoredRecord FromEntry(StreamEntry entry)
    {
        var field = entry.Values[0];
        string system = (string)field.Name!;
        return new StoredRecord(entry.Id!, system.Length == 1 ? system[0] : 'P', JsonRecordCodec.Default.Decode((byte[])field.Value!));
    }

    /// <summary>The milliseconds part of a stream entry id (when Redis added it).</summary>
    public static long MillisecondsOf(string id)
    {
        int dash = id.IndexOf('-', StringComparison.Ordinal);
        return long.TryParse(dash < 0 ? id : id[..dash], out long ms) ? ms : throw new ArgumentException($"'{id}' is not a cursor of this Redis store", nameof(id));
    }
}
