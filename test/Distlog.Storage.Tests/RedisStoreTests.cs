using Distlog.Plugins;
using Distlog.Plugins.Redis;
using Distlog.Query;
using Distlog.Storage.Tests.Support;

namespace Distlog.Storage.Tests;

/// <summary>The store contract against a private redis-server, each test on a new stream.</summary>
public sealed class RedisStoreTests : StoreContract, IDisposable
{
    private readonly RedisServer _redis = new();

    protected override bool OrdersByCreation => false;

    protected override Task<(IDistlogPlugin Plugin, IRecordStore Store)> CreateAsync()
    {
        var plugin = new RedisPlugin(Settings.Of(("url", _redis.Address), ("stream", "s" + Guid.NewGuid().ToString("N"))));
        return Task.FromResult<(IDistlogPlugin, IRecordStore)>((plugin, plugin.Store));
    }

    public void Dispose() => _redis.Dispose();
}

/// <summary>The store contract with one record a stream entry (<c>records_per_entry: 1</c>).</summary>
public sealed class RedisOneRecordPerEntryStoreTests : StoreContract, IDisposable
{
    private readonly RedisServer _redis = new();

    protected override bool OrdersByCreation => false;

    protected override Task<(IDistlogPlugin Plugin, IRecordStore Store)> CreateAsync()
    {
        var plugin = new RedisPlugin(Settings.Of(("url", _redis.Address), ("stream", "s" + Guid.NewGuid().ToString("N")), ("records_per_entry", "1")));
        return Task.FromResult<(IDistlogPlugin, IRecordStore)>((plugin, plugin.Store));
    }

    public void Dispose() => _redis.Dispose();
}

/// <summary>The store contract with the records spread over four shards (<c>shards: 4</c>) on one Redis, read by a
/// store told nothing of the shards (it reads the count the plugin noted).</summary>
public sealed class RedisShardedStoreTests : StoreContract, IDisposable
{
    private readonly RedisServer _redis = new();
    private readonly List<StackExchange.Redis.ConnectionMultiplexer> _readers = [];

    protected override bool OrdersByCreation => false;

    protected override bool OrdersByArrivalWithinTasksOnly => true;

    protected override Task<(IDistlogPlugin Plugin, IRecordStore Store)> CreateAsync()
    {
        string stream = "s" + Guid.NewGuid().ToString("N");
        var plugin = new RedisPlugin(Settings.Of(("url", _redis.Address), ("stream", stream), ("shards", "4")));
        var reader = StackExchange.Redis.ConnectionMultiplexer.Connect(_redis.Address);
        _readers.Add(reader);
        return Task.FromResult<(IDistlogPlugin, IRecordStore)>((plugin, new RedisRecordStore(reader, stream)));
    }

    public void Dispose()
    {
        _readers.ForEach(r => r.Dispose());
        _redis.Dispose();
    }
}
