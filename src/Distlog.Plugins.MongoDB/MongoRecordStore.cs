using Distlog.Query;
using MongoDB.Bson;
using MongoDB.Driver;

namespace Distlog.Plugins.MongoDB;

/// <summary>Answers the query model from a distlog MongoDB database, over every collection the plugin's
/// <c>collection</c> template makes (merged newest first).</summary>
/// <remarks>Thread-safe.</remarks>
public sealed class MongoRecordStore : IRecordStore
{
    private const int IndexNotFound = 27;
    private readonly IMongoDatabase _database;
    private readonly CollectionNaming _naming;

    /// <summary>Reads <paramref name="database"/>'s collections named by <paramref name="collection"/> (a name or template).</summary>
    public MongoRecordStore(IMongoDatabase database, string collection = "records")
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        _naming = new CollectionNaming(collection);
    }

    /// <inheritdoc/>
    public async Task<RecordPage> QueryAsync(RecordQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var filter = MongoQuery.Filter(query);
        int limit = query.EffectiveLimit;
        var found = new List<BsonDocument>();
        foreach (var collection in await CollectionsAsync(query.System, cancellationToken).ConfigureAwait(false))
        {
            try
            {
                found.AddRange(await collection.Find(filter).Sort(MongoQuery.NewestFirst).Limit(limit + 1).ToListAsync(cancellationToken).ConfigureAwait(false));
            }
            catch (MongoCommandException ex) when (ex.Code == IndexNotFound)
            {
                // A text search on a collection nothing was written to yet: it has no text index, and no records.
            }
        }

        var ordered = found.OrderByDescending(d => d["created"].AsDouble).ThenByDescending(d => d["_id"].AsObjectId).ToList();
        var page = ordered.Take(limit).ToList();
        string? next = ordered.Count > limit ? MongoQuery.Cursor(page[^1]["created"].AsDouble, page[^1]["_id"].AsObjectId) : null;
        return new RecordPage(page.Select(MongoRecordMapper.FromDocument).ToList(), next);
    }

    /// <inheritdoc/>
    public async Task<(IReadOnlyList<StoredRecord> Records, bool Truncated)> ReadTaskAsync(string rootId, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(rootId);
        var records = new List<StoredRecord>();
        var filter = new BsonDocument("root_id", rootId);
        foreach (var collection in await CollectionsAsync(null, cancellationToken).ConfigureAwait(false))
        {
            var documents = await collection.Find(filter).Sort(new BsonDocument { { "scope_id", 1 }, { "seq", 1 } })
                .Limit(limit + 1 - records.Count).ToListAsync(cancellationToken).ConfigureAwait(false);
            records.AddRange(documents.Select(MongoRecordMapper.FromDocument));
            if (records.Count > limit)
            {
                return (records.GetRange(0, limit), true);
            }
        }

        return (records, false);
    }

    private async Task<List<IMongoCollection<BsonDocument>>> CollectionsAsync(char? system, CancellationToken cancellationToken)
    {
        if (_naming.IsFixed)
        {
            return [_database.GetCollection<BsonDocument>(_naming.Template)];
        }

        using var cursor = await _database.ListCollectionNamesAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var names = await cursor.ToListAsync(cancellationToken).ConfigureAwait(false);
        return names.Where(n => _naming.Matches(n, system)).Order(StringComparer.Ordinal).Select(n => _database.GetCollection<BsonDocument>(n)).ToList();
    }
}
