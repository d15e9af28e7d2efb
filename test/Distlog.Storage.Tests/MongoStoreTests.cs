using Distlog.Plugins;
using Distlog.Plugins.MongoDB;
using Distlog.Query;
using Distlog.Storage.Tests.Support;
using MongoDB.Driver;
using Xunit;

namespace Distlog.Storage.Tests;

/// <summary>
/// The store contract against a real MongoDB, named by <c>DISTLOG_TEST_MONGODB_URL</c> (no server can be installed
/// on the build machine). Without it every test here is reported as skipped, not passed. Each test writes to a
/// database of its own and drops it.
/// </summary>
public sealed class MongoStoreTests : StoreContract, IAsyncLifetime
{
    public const string UrlVariable = "DISTLOG_TEST_MONGODB_URL";
    private readonly string _database = "distlog_test_" + Guid.NewGuid().ToString("N");
    private MongoPlugin? _plugin;

    public static string? Url => Environment.GetEnvironmentVariable(UrlVariable) is { Length: > 0 } url ? url : null;

    protected override Task<(IDistlogPlugin Plugin, IRecordStore Store)> CreateAsync()
    {
        Skip.If(Url is null, $"no MongoDB server: set {UrlVariable} (e.g. mongodb://localhost:27017) to run these tests");
        _plugin = new MongoPlugin(Settings.Of(("url", Url), ("database", _database), ("collection", "records_{system}"), ("timeout", "5s")));
        return Task.FromResult<(IDistlogPlugin, IRecordStore)>((_plugin, _plugin.Store));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (Url is not null)
        {
            using var client = new MongoClient(Url);
            await client.DropDatabaseAsync(_database);
        }
    }
}
