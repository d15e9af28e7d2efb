using Distlog.Plugins.MongoDB;
using Distlog.Plugins.Redis;
using Distlog.Query;
using Distlog.Store.Sqlite;
using Distlog.Tests.Shared;
using Xunit;

namespace Distlog.Storage.Tests;

/// <summary>The query model and the stores' public faces are frozen in ApprovedApi/*.approved.txt: the viewer, the
/// distlog command and users' own tools read stores through them.</summary>
public class PublicApiTests
{
    [Fact]
    public void QueryModel_PublicApi_IsApproved() => ApiApproval.Verify(typeof(IRecordStore).Assembly);

    [Fact]
    public void SqliteStore_PublicApi_IsApproved() => ApiApproval.Verify(typeof(SqlitePlugin).Assembly);

    [Fact]
    public void RedisStore_PublicApi_IsApproved() => ApiApproval.Verify(typeof(RedisPlugin).Assembly);

    [Fact]
    public void MongoStore_PublicApi_IsApproved() => ApiApproval.Verify(typeof(MongoPlugin).Assembly);
}
