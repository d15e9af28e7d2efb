using System.Globalization;
using Distlog.Protocol;
using Distlog.Query;
using StackExchange.Redis;

namespace Distlog.Plugins.Redis;

/// <summary>
/// Where the Redis store keeps what: the stream <c>{stream}</c>, whose entries each hold one or more records in
/// arrival order as field/value pairs (field: the system letter <c>P</c>, <c>S</c> or <c>T</c>; value: the record's
/// JSON); one list per root task <c>{stream}:task:{root}</c> whose values name its records (one value a written
/// batch, record ids separated by spaces); and the sorted set <c>{stream}:tasks</c> of root ids by first record
/// time. Plugin and reader share it.
/// </summary>
/// <remarks>A record's id is <c>{entry id}/{position in the entry}</c>. An id without a position names the first
/// record of its entry (stores written when every entry held one record).</remarks>
internal sealed class RedisLayout(string stream)
{
    private static readonly RedisValue[] s_systems = [(RedisValue)"P", (RedisValue)"S", (RedisValue)"T"];

    public RedisKey Stream { get; } = stream;

    public RedisKey Tasks { get; } = stream + ":tasks";

    public RedisKey TaskList(string rootId) => $"{stream}:task:{rootId}";

    /// <summary>The field name of a record in an entry: the system letter, made once.</summary>
    public static RedisValue SystemField(char system) => system switch
    {
        'P' => s_systems[0],
        'S' => s_systems[1],
        'T' => s_systems[2],
        _ => system.ToString(),
    };

    /// <summary>The id of the record at <paramref name="position"/> in the entry <paramref name="entryId"/>.</summary>
    public static string RecordId(string entryId, int position) =>
        string.Create(CultureInfo.InvariantCulture, $"{entryId}/{position}");

    /// <summary>Splits a record id into its entry id and position.</summary>
    /// <exception cref="ArgumentException">It is not a record id of this store.</exception>
    public static (string EntryId, int Position) ParseRecordId(string id)
    {
        int slash = id.IndexOf('/', StringComparison.Ordinal);
        string entryId = slash < 0 ? id : id[..slash];
        int position = 0;
        if ((slash >= 0 && !int.TryParse(id.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out position)) || !IsEntryId(entryId))
        {
            throw new ArgumentException($"'{id}' is not a record id of this Redis store", nameof(id));
        }

        return (entryId, position);
    }

    /// <summary>How many records an entry holds.</summary>
    public static int Count(StreamEntry entry) => entry.Values.Length;

    /// <summary>The record at <paramref name="position"/> of an entry, decoded.</summary>
    public static StoredRecord FromEntry(StreamEntry entry, int position)
    {
        var field = entry.Values[position];
        string system = (string)field.Name!;
        return new StoredRecord(RecordId(entry.Id!, position), system.Length == 1 ? system[0] : 'P', JsonRecordCodec.Default.Decode((byte[])field.Value!));
    }

    /// <summary>The milliseconds part of a stream entry id (when Redis added it).</summary>
    public static long MillisecondsOf(string entryId)
    {
        int dash = entryId.IndexOf('-', StringComparison.Ordinal);
        return long.TryParse(dash < 0 ? entryId : entryId[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out long ms)
            ? ms
            : throw new ArgumentException($"'{entryId}' is not a cursor of this Redis store", nameof(entryId));
    }

    private static bool IsEntryId(string id)
    {
        int dash = id.IndexOf('-', StringComparison.Ordinal);
        return dash > 0
            && long.TryParse(id.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out _)
            && long.TryParse(id.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out _);
    }
}
