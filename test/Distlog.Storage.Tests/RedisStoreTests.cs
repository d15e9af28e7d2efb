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
