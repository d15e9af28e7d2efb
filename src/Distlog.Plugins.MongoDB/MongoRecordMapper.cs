using System.Text;
using Distlog.Protocol;
using Distlog.Query;
using MongoDB.Bson;

namespace Distlog.Plugins.MongoDB;

/// <summary>
/// The document of one record: the fields the query model filters on, the context as <c>{k, v}</c> pairs (so any
/// field name, dots and dollars included, is data and never a path), and the record itself as JSON in
/// <c>body</c>, so it reads back exactly as it was received.
/// </summary>
internal static class MongoRecordMapper
{
    public static BsonDocument ToDocument(ReceivedRecord received, ObjectId id, DateTime? expireAt)
    {
        var r = received.Record;
        var key = r.Context?.ParsedKey;
        var document = new BsonDocument
        {
            { "_id", id },
            { "created", r.Created },
            { "level", r.LevelNo },
            { "logger", (BsonValue?)r.Name ?? BsonNull.Value },
            { "system", received.System.ToString() },
            { "hostname", (BsonValue?)r.Hostname?.ToLowerInvariant() ?? BsonNull.Value },
            { "service", (BsonValue?)r.Service ?? BsonNull.Value },
            { "message", (BsonValue?)r.Message ?? BsonNull.Value },
        };
        if (key is { } k)
        {
            document.Add("root_id", k.RootId);
            document.Add("scope_id", k.ScopeId);
            document.Add("seq", k.Seq);
        }

        if (r.Context is { Data.Count: > 0 } context)
        {
            var pairs = new BsonArray();
            foreach (var (name, value) in context.Data)
            {
                if (ContextValues.TextOf(value) is { } text)
                {
                    pairs.Add(new BsonDocument { { "k", name }, { "v", text } });
                }
            }

            document.Add("ctx", pairs);
        }

        if (expireAt is { } expire)
        {
            document.Add("expire_at", new BsonDateTime(expire));
        }

        document.Add("body", Encoding.UTF8.GetString(received.GetJsonBody().Span));
        return document;
    }

    public static StoredRecord FromDocument(BsonDocument document)
    {
        string system = document.GetValue("system", "P").AsString;
        var record = JsonRecordCodec.Default.Decode(Encoding.UTF8.GetBytes(document["body"].AsString));
        return new StoredRecord(document["_id"].ToString()!, system.Length > 0 ? system[0] : 'P', record);
    }
}
