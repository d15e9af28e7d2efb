using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Distlog.Query;
using MongoDB.Bson;
using MongoDB.Driver;

namespace Distlog.Plugins.MongoDB;

/// <summary>
/// <c>type: mongodb</c>: records as documents, written with one unordered <c>InsertMany</c> per collection and
/// batch; indexes for the query model and a TTL index for retention are made on start (and on each new
/// collection). An unreachable server throws <see cref="PluginUnavailableException"/>, so the daemon holds the
/// batch and queues what follows.
/// </summary>
/// <remarks>
/// <para>Settings: <c>url</c> (default <c>mongodb://localhost:27017</c>; credentials from the environment, e.g.
/// <c>${MONGODB_URL}</c>), <c>database</c> (<c>distlog</c>), <c>collection</c> (<c>records</c>, or a template with
/// <c>{system}</c> / <c>{service}</c>), <c>max_age</c> (TTL; default 0 = kept), <c>timeout</c> (server selection,
/// default 10s).</para>
/// <para>Each record's <c>_id</c> is made once — from its delivery identity when it has one — so a batch written
/// again after a failure, or replayed from distlogd's journal after a crash, does not repeat what already went in
/// (those inserts fail as duplicates and are ignored).</para>
/// </remarks>
public sealed class MongoPlugin : IDistlogPlugin, IRecordStoreProvider
{
    private readonly IMongoDatabase _database;
    private readonly CollectionNaming _naming;
    private readonly TimeSpan _maxAge;
    private readonly LongRetention? _longRetention;
    private readonly ConditionalWeakTable<ReceivedRecord, object> _ids = [];
    private readonly ConcurrentDictionary<string, Task> _indexed = new(StringComparer.Ordinal);

    /// <summary>Prepares the client; the server is contacted on the first batch.</summary>
    /// <exception cref="PluginConfigurationException">A setting is invalid.</exception>
    public MongoPlugin(PluginSettings settings, LongRetention? longRetention = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        string url = settings.GetString("url") ?? "mongodb://localhost:27017";
        MongoClientSettings clientSettings;
        try
        {
            clientSettings = MongoClientSettings.FromConnectionString(url);
        }
        catch (MongoConfigurationException ex)
        {
            throw settings.Error("url", $"'{url}' is not a MongoDB connection string: {ex.Message}");
        }

        clientSettings.ServerSelectionTimeout = settings.GetDuration("timeout", TimeSpan.FromSeconds(10));
        clientSettings.ApplicationName = "distlogd";
        Client = new MongoClient(clientSettings);
        DatabaseName = settings.GetString("database") ?? "distlog";
        _database = Client.GetDatabase(DatabaseName);
        _naming = new CollectionNaming(settings.GetString("collection") ?? "records");
        _maxAge = settings.GetDuration("max_age", TimeSpan.Zero);
        _longRetention = longRetention;
        Endpoint = string.Join(",", clientSettings.Servers.Select(s => s.ToString()));
        Store = new MongoRecordStore(_database, _naming.Template);
    }

    /// <summary>The server(s), for the daemon's summary (no credentials).</summary>
    public string Endpoint { get; }

    /// <summary>The database written to.</summary>
    public string DatabaseName { get; }

    /// <inheritdoc/>
    public string? Target => $"{Endpoint}/{DatabaseName}";

    /// <summary>The driver's client.</summary>
    internal MongoClient Client { get; }

    /// <summary>Reads what this plugin writes.</summary>
    public IRecordStore Store { get; }

    /// <inheritdoc/>
    public async Task HandleAsync(IReadOnlyList<ReceivedRecord> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        try
        {
            foreach (var group in batch.GroupBy(r => _naming.For(r.System, r.Record), StringComparer.Ordinal))
            {
                var collection = _database.GetCollection<BsonDocument>(group.Key);
                try
                {
                    await _indexed.GetOrAdd(group.Key, _ => collection.Indexes.CreateManyAsync(MongoQuery.Indexes, CancellationToken.None)).ConfigureAwait(false);
                }
                catch
                {
                    _indexed.TryRemove(group.Key, out _); // made again with the next attempt
                    throw;
                }

                var documents = group.Select(r => MongoRecordMapper.ToDocument(r, IdOf(r), ExpiryOf(r))).ToList();
                try
                {
                    await collection.InsertManyAsync(documents, new InsertManyOptions { IsOrdered = false }, cancellationToken).ConfigureAwait(false);
                }
                catch (MongoBulkWriteException ex) when (ex.WriteErrors.All(e => e.Category == ServerErrorCategory.DuplicateKey) && ex.WriteConcernError is null)
                {
                    // Written by an earlier attempt of this batch.
                }
            }
        }
        catch (Exception ex) when (ex is TimeoutException or MongoConnectionException or MongoNotPrimaryException or MongoNodeIsRecoveringException)
        {
            throw new PluginUnavailableException($"MongoDB at {Endpoint}: {ex.Message}", ex);
        }
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        Client.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>When a record expires: its creation plus the retention that applies to it; null when kept.</summary>
    internal DateTime? ExpiryOf(ReceivedRecord received)
    {
        var age = _longRetention is { } keep && keep.Match(received) ? keep.MaxAge : _maxAge;
        if (age <= TimeSpan.Zero)
        {
            return null;
        }

        // A creation time a peer got wrong (not a number, centuries away) counts from arrival instead.
        double created = received.Record.Created;
        var from = double.IsFinite(created) && created > 0 && created < 32503680000 // year 3000
            ? DateTime.UnixEpoch.AddSeconds(created)
            : received.ReceivedAt.UtcDateTime;
        return from.Add(age);
    }

    private ObjectId IdOf(ReceivedRecord received) => (ObjectId)_ids.GetValue(received, r => IdentityOf(r) ?? ObjectId.GenerateNewId());

    /// <summary>
    /// The <c>_id</c> of a record delivered with acknowledgements, made from its identity (instance, sequence,
    /// position): the same record handed again after a crash (the journal replayed from a cursor a little behind)
    /// gets the same <c>_id</c>, and its insert fails as a duplicate. Its first four bytes are the record's creation
    /// second, as an ObjectId's are, so that ids still sort by time; the other eight are a hash of the identity.
    /// </summary>
    internal static ObjectId? IdentityOf(ReceivedRecord received)
    {
        if (received.DeliveryId is not { } id)
        {
            return null;
        }

        double created = received.Summary.Created;
        uint seconds = double.IsFinite(created) && created > 0 && created < uint.MaxValue ? (uint)created : 0;
        Span<byte> bytes = stackalloc byte[12];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes, seconds);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bytes[4..], System.IO.Hashing.XxHash64.HashToUInt64(System.Text.Encoding.UTF8.GetBytes(id)));
        return new ObjectId(bytes.ToArray());
    }
}
