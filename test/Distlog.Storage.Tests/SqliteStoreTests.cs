using Distlog.Plugins;
using Distlog.Query;
using Distlog.Storage.Tests.Support;
using Distlog.Store.Sqlite;

namespace Distlog.Storage.Tests;

/// <summary>The store contract against SQLite, each test on a new file.</summary>
public sealed class SqliteStoreTests : StoreContract, IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "distlog-sqlite-" + Guid.NewGuid().ToString("N"));

    protected override Task<(IDistlogPlugin Plugin, IRecordStore Store)> CreateAsync()
    {
        var plugin = new SqlitePlugin(Settings.Of(("path", Path.Combine(_folder, "store.db"))));
        return Task.FromResult<(IDistlogPlugin, IRecordStore)>((plugin, plugin.Store));
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
