using System.Globalization;
using System.Text;
using Distlog.Protocol;
using Distlog.Query;
using StackExchange.Redis;

namespace Distlog.Plugins.Redis;

/// <summary>
/// Where the Redis store keeps what. Records are split over <see cref="Shards"/> shards by their root task, so a
/// task lives whole in one shard. Each shard has a stream, whose entries each hold one or more records in arrival
/// order as field/value pairs (field: the system letter <c>P</c>, <c>S</c> or <c>T</c>; value: the record's JSON);
/// one list per root task, <c>{shard}:task:{root}</c>, whose values name its records (one value a written batch,
/// record ids separated by spaces); and the sorted set <c>{shard}:tasks</c> of root ids by first record time. Plugin
/// and reader share it.
/// </summary>
/// <remarks>
/// <para>With one shard (the default) the shard's name is the stream name itself: <c>distlog</c>,
/// <c>distlog:task:{root}</c>, <c>distlog:tasks</c>. With more, shard <c>k</c> is named <c>{distlog:k:n}</c> (n: see
/// <see cref="HashTag"/>): the braces are a Redis Cluster hash tag, so a shard's stream, task lists and notes sit on
/// one cluster node and a tree is read from one node, while the shards spread evenly over the nodes. The shard count
/// is kept in <c>{stream}:shards</c> for readers that are not told it.</para>
/// <para>A record's id is <c>{entry id}/{position in the entry}</c>, after <c>{shard}:</c> when there is more than
/// one shard. An id without a position names the first record of its entry (stores written when every entry held
/// one record).</para>
/// </remarks>
internal sealed class RedisLayout
{
    private static readonly RedisValue[] s_systems = [(RedisValue)"P", (RedisValue)"S", (RedisValue)"T"];
    private readonly RedisShard[] _shards;

    public RedisLayout(string stream, int shards = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shards, 1);
        Name = stream;
        ShardCount = $"{stream}:shards";
        _shards = shards == 1
            ? [new RedisShard(0, stream, null)]
            : [.. Enumerable.Range(0, shards).Select(k => new RedisShard(k, "{" + HashTag(stream, k, shards) + "}", k))];
    }

    /// <summary>
    /// The hash tag of shard <paramref name="k"/> of <paramref name="shards"/>: <c>{stream}:{k}:{n}</c> with the first
    /// n whose cluster slot lies in the middle half of the k-th of <paramref name="shards"/> equal slices of the slot
    /// space. So the shards are spaced evenly over the slots, and a cluster whose masters hold equal slot ranges
    /// (as <c>redis-cli --cluster create</c> makes them) holds equal numbers of shards on each when
    /// <paramref name="shards"/> is a multiple of the masters. A plain name (<c>{stream}:{k}</c>) leaves that to
    /// chance: with the stream <c>distlog</c> and 12 shards, one of three masters would hold half of them.
    /// </summary>
    private static string HashTag(string stream, int k, int shards)
    {
        double width = SlotCount / (double)shards;
        double low = (k * width) + (width / 4), high = (k * width) + (width * 3 / 4);
        for (int n = 0; ; n++)
        {
            string tag = string.Create(CultureInfo.InvariantCulture, $"{stream}:{k}:{n}");
            int slot = Slot(tag);
            if (slot >= low && slot < high)
            {
                return tag;
            }
        }
    }

    private const int SlotCount = 16384;

    /// <summary>The Redis Cluster slot of a hash tag: CRC-16/XMODEM of its UTF-8 bytes, modulo 16384.</summary>
    internal static int Slot(string tag)
    {
        int crc = 0;
        foreach (byte b in Encoding.UTF8.GetBytes(tag))
        {
            crc ^= b << 8;
            for (int bit = 0; bit < 8; bit++)
            {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            }

            crc &= 0xFFFF;
        }

        return crc % SlotCount;
    }

    /// <summary>The stream name the store is configured with.</summary>
    public string Name { get; }

    /// <summary>The key holding the number of shards (written when there is more than one).</summary>
    public RedisKey ShardCount { get; }

    public IReadOnlyList<RedisShard> Shards => _shards;

    /// <summary>The shard of a root task: the same in every process (FNV-1a of its id), so several daemons agree.</summary>
    public RedisShard ShardOf(string rootId)
    {
        if (_shards.Length == 1)
        {
            return _shards[0];
        }

        uint hash = 2166136261;
        foreach (char c in rootId)
        {
            hash = (hash ^ c) * 16777619;
        }

        return _shards[hash % (uint)_shards.Length];
    }

    /// <summary>The field name of a record in an entry: the system letter, made once.</summary>
    public static RedisValue SystemField(char system) => system switch
    {
        'P' => s_systems[0],
        'S' => s_systems[1],
        'T' => s_systems[2],
        _ => system.ToString(),
    };

    /// <summary>Splits a record id into its shard, entry id and position.</summary>
    /// <exception cref="ArgumentException">It is not a record id of this store.</exception>
    public (RedisShard Shard, string EntryId, int Position) ParseRecordId(string id)
    {
        int shard = 0;
        int colon = id.IndexOf(':', StringComparison.Ordinal);
        if (_shards.Length > 1 && (colon < 0 || !int.TryParse(id.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out shard) || shard >= _shards.Length))
        {
            throw NotARecordId(id);
        }

        var (entryId, position) = ParseEntryPosition(_shards.Length > 1 ? id[(colon + 1)..] : id) ?? throw NotARecordId(id);
        return (_shards[shard], entryId, position);
    }

    /// <summary>Splits <c>{entry id}/{position}</c> (or a bare entry id, position 0); null when it is not one.</summary>
    public static (string EntryId, int Position)? ParseEntryPosition(string id)
    {
        int slash = id.IndexOf('/', StringComparison.Ordinal);
        string entryId = slash < 0 ? id : id[..slash];
        int position = 0;
        return (slash >= 0 && !int.TryParse(id.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out position)) || EntryIdOf(entryId) is null
            ? null
            : (entryId, position);
    }

    /// <summary>How many records an entry holds.</summary>
    public static int Count(StreamEntry entry) => entry.Values.Length;

    /// <summary>A stream entry id's two numbers (milliseconds, sequence), which order entries; null when it is not one.</summary>
    public static (long Milliseconds, long Sequence)? EntryIdOf(string id)
    {
        int dash = id.IndexOf('-', StringComparison.Ordinal);
        return dash > 0
            && long.TryParse(id.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out long ms)
            && long.TryParse(id.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out long sequence)
            ? (ms, sequence)
            : null;
    }

    private static ArgumentException NotARecordId(string id) => new($"'{id}' is not a record id of this Redis store", nameof(id));
}

/// <summary>One shard of a Redis store: its keys, and how its records are named.</summary>
/// <param name="Index">Its number, from 0.</param>
/// <param name="Name">What its keys start with.</param>
/// <param name="IdPrefix">What its record ids start with (before a colon); null with one shard.</param>
internal sealed record RedisShard(int Index, string Name, int? IdPrefix)
{
    public RedisKey Stream { get; } = Name;

    public RedisKey Tasks { get; } = Name + ":tasks";

    public RedisKey TaskList(string rootId) => $"{Name}:task:{rootId}";

    /// <summary>The hash noting which records of an acknowledged client's messages this shard holds.</summary>
    public RedisKey Delivered(string instance, long sequence) =>
        string.Create(CultureInfo.InvariantCulture, $"{Name}:delivered:{instance}:{sequence / 4096}");

    /// <summary>The id of the record at <paramref name="position"/> in the entry <paramref name="entryId"/>.</summary>
    public string RecordId(string entryId, int position) => IdPrefix is { } k
        ? string.Create(CultureInfo.InvariantCulture, $"{k}:{entryId}/{position}")
        : string.Create(CultureInfo.InvariantCulture, $"{entryId}/{position}");

    /// <summary>The record at <paramref name="position"/> of an entry, decoded.</summary>
    public StoredRecord FromEntry(StreamEntry entry, int position)
    {
        var field = entry.Values[position];
        string system = (string)field.Name!;
        return new StoredRecord(RecordId(entry.Id!, position), system.Length == 1 ? system[0] : 'P', JsonRecordCodec.Default.Decode((byte[])field.Value!));
    }
}
