using Distlog.Plugins;
using Distlog.Plugins.MongoDB;
using Distlog.Protocol;
using Distlog.Query;
using Distlog.Storage.Tests.Support;
using MongoDB.Bson;
using Xunit;

namespace Distlog.Storage.Tests;

/// <summary>What the MongoDB store does without a server: documents, indexes, filters, collection names.</summary>
public sealed class MongoMappingTests
{
    private static ReceivedRecord Sample(char system = 'S', string? service = "shop") => new(system, new LogRecord
    {
        Name = "Shop.Orders",
        Message = "stock low for widget",
        LevelNo = Levels.Warning,
        LevelName = "WARNING",
        Created = 1_764_072_000.25,
        Hostname = "Obelix",
        Service = service,
        Context = new RecordContext("3@abc/1/2", [new("order_id", 42L), new("a.b$c", "dotted"), new("tags", new List<object?> { "x" }), new("ok", true)]),
    }, DateTimeOffset.UnixEpoch);

    [Fact]
    public void ADeliveredRecordsId_ComesFromItsIdentity_SoAReplayedCopyIsADuplicateKey()
    {
        var first = new ReceivedRecord('P', Sample().Record, DateTimeOffset.UnixEpoch) { DeliveryId = "0123456789abcdef0123456789abcdef/7/2" };
        var again = new ReceivedRecord('P', Sample().Record, DateTimeOffset.UtcNow) { DeliveryId = "0123456789abcdef0123456789abcdef/7/2" };
        var next = new ReceivedRecord('P', Sample().Record, DateTimeOffset.UnixEpoch) { DeliveryId = "0123456789abcdef0123456789abcdef/7/3" };

        Assert.Equal(MongoPlugin.IdentityOf(first), MongoPlugin.IdentityOf(again));
        Assert.NotEqual(MongoPlugin.IdentityOf(first), MongoPlugin.IdentityOf(next));
        Assert.Equal(1_764_072_000, MongoPlugin.IdentityOf(first)!.Value.Timestamp); // still sorts by time
        Assert.Null(MongoPlugin.IdentityOf(Sample())); // at most once: a fresh id
    }

    [Fact]
    public void Document_HoldsTheQueryFields_ContextAsPairs_AndTheRecordAsJson()
    {
        var id = ObjectId.GenerateNewId();

        var document = MongoRecordMapper.ToDocument(Sample(), id, expireAt: null);

        Assert.Equal(id, document["_id"].AsObjectId);
        Assert.Equal(1_764_072_000.25, document["created"].AsDouble);
        Assert.Equal(30, document["level"].AsInt32);
        Assert.Equal("S", document["system"].AsString);
        Assert.Equal("obelix", document["hostname"].AsString);
        Assert.Equal("abc", document["root_id"].AsString);
        Assert.Equal("abc/1/2", document["scope_id"].AsString);
        Assert.Equal(3L, document["seq"].AsInt64);
        Assert.Equal("""[{ "k" : "order_id", "v" : "42" }, { "k" : "a.b$c", "v" : "dotted" }, { "k" : "ok", "v" : "true" }]""", document["ctx"].ToJson());
        Assert.False(document.Contains("expire_at"));

        var back = MongoRecordMapper.FromDocument(document);
        Assert.Equal('S', back.System);
        Assert.Equal("stock low for widget", back.Record.Message);
        Assert.Equal("3@abc/1/2", back.Record.Context!.Key);
        Assert.Equal(new List<object?> { "x" }, back.Record.Context.Data.Single(p => p.Key == "tags").Value);
    }

    [Fact]
    public async Task Expiry_IsCreationPlusMaxAge_OrTheLongRetentionForChosenRecords()
    {
        var keep = new LongRetention(r => r.Record.Name == "Perf", TimeSpan.FromDays(90));
        await using var plugin = new MongoPlugin(Settings.Of(("url", "mongodb://127.0.0.1:1"), ("max_age", "7d")), keep);
        var created = DateTime.UnixEpoch.AddSeconds(1_764_072_000.25);
        var perf = new ReceivedRecord('P', new LogRecord { Name = "Perf", Created = 1_764_072_000.25 }, DateTimeOffset.UtcNow);
        var broken = new ReceivedRecord('P', new LogRecord { Name = "App", Created = double.NaN }, DateTimeOffset.UnixEpoch.AddDays(1));

        Assert.Equal(created.AddDays(7), plugin.ExpiryOf(Sample()));
        Assert.Equal(created.AddDays(90), plugin.ExpiryOf(perf));
        Assert.Equal(DateTime.UnixEpoch.AddDays(8), plugin.ExpiryOf(broken));
    }

    [Fact]
    public void Indexes_ServeTheQueryModel_AndRetention()
    {
        var byName = MongoQuery.Indexes.ToDictionary(i => i.Options.Name, i => i);

        Assert.Equal(["task", "created", "level", "logger", "context", "message_text", "retention"], byName.Keys);
        Assert.Equal(TimeSpan.Zero, byName["retention"].Options.ExpireAfter);
        Assert.Equal("none", byName["message_text"].Options.DefaultLanguage);
        Assert.Equal("""{ "root_id" : 1, "scope_id" : 1, "seq" : 1 }""", ((MongoDB.Driver.BsonDocumentIndexKeysDefinition<BsonDocument>)byName["task"].Keys).Document.ToJson());
    }

    [Fact]
    public void Filter_TranslatesEveryCondition()
    {
        var cursor = MongoQuery.Cursor(1_764_072_000.5, new ObjectId("6744a0000000000000000001"));
        var query = new RecordQuery
        {
            From = DateTimeOffset.FromUnixTimeSeconds(1_764_000_000),
            To = DateTimeOffset.FromUnixTimeSeconds(1_764_100_000),
            MinLevel = Levels.Warning,
            MaxLevel = Levels.Error,
            LoggerPrefix = "Shop.Or",
            System = 'P',
            Hostname = "Obelix",
            Service = "shop",
            Text = "stock, low!",
            Task = "7@abc/1",
            Context = [new("order_id", "42")],
            Cursor = cursor,
        };

        string json = MongoQuery.Filter(query).ToJson();

        Assert.Equal(
            """{ "$and" : [{ "created" : { "$gte" : 1764000000.0, "$lt" : 1764100000.0 } }, { "level" : { "$gte" : 30, "$lte" : 40 } }, """ +
            """{ "logger" : { "$regularExpression" : { "pattern" : "^Shop\\.Or", "options" : "" } } }, { "system" : "P" }, { "hostname" : "obelix" }, { "service" : "shop" }, { "root_id" : "abc" }, """ +
            """{ "$text" : { "$search" : "\"stock\" \"low\"", "$caseSensitive" : false } }, { "ctx" : { "$elemMatch" : { "k" : "order_id", "v" : "42" } } }, """ +
            """{ "$or" : [{ "created" : { "$lt" : 1764072000.5 } }, { "created" : 1764072000.5, "_id" : { "$lt" : { "$oid" : "6744a0000000000000000001" } } }] }] }""",
            json);
        Assert.Equal("{ }", MongoQuery.Filter(new RecordQuery()).ToJson());
        Assert.Equal("""{ "level" : { "$gte" : 40 } }""", MongoQuery.Filter(new RecordQuery { MinLevel = 40 }).ToJson());
        Assert.Throws<ArgumentException>(() => MongoQuery.Filter(new RecordQuery { Cursor = "1700000000000-0" }));
    }

    [Theory]
    [InlineData("records", 'P', "shop", "records")]
    [InlineData("records_{system}", 'S', "shop", "records_S")]
    [InlineData("{service}_{system}", 'T', "my shop/v2", "my_shop_v2_T")]
    [InlineData("by_service_{service}", 'P', null, "by_service_unknown")]
    public void Collection_IsNamedByItsTemplate(string template, char system, string? service, string expected)
    {
        var naming = new CollectionNaming(template);

        string name = naming.For(system, Sample(system, service).Record);

        Assert.Equal(expected, name);
        Assert.True(naming.Matches(name, system));
        Assert.Equal(template == "records" || !template.Contains("{system}", StringComparison.Ordinal), naming.Matches(name, system == 'P' ? 'S' : 'P'));
        Assert.False(naming.Matches("system.views", null));
    }

    [Fact]
    public void BadUrl_IsAConfigurationErrorNamingTheKey()
    {
        var ex = Assert.Throws<PluginConfigurationException>(() => new MongoPlugin(Settings.Of(("url", "http://nope"))));

        Assert.Contains("test.yaml:1: 'http://nope' is not a MongoDB connection string", ex.Message, StringComparison.Ordinal);
    }
}
