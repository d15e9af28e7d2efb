using System.Globalization;
using System.Text.RegularExpressions;
using Distlog.Query;
using MongoDB.Bson;
using MongoDB.Driver;

namespace Distlog.Plugins.MongoDB;

/// <summary>The query model in MongoDB's terms: filters, sort order, cursors and the indexes that serve them.</summary>
internal static class MongoQuery
{
    public static readonly BsonDocument NewestFirst = new() { { "created", -1 }, { "_id", -1 } };

    /// <summary>The indexes made on every collection at start: one per way the query model reads, the text index
    /// for the message, and the TTL index that retention relies on.</summary>
    public static IReadOnlyList<CreateIndexModel<BsonDocument>> Indexes { get; } =
    [
        new(new BsonDocument { { "root_id", 1 }, { "scope_id", 1 }, { "seq", 1 } }, new CreateIndexOptions { Name = "task", Sparse = true }),
        new(new BsonDocument { { "created", -1 }, { "_id", -1 } }, new CreateIndexOptions { Name = "created" }),
        new(new BsonDocument { { "level", 1 }, { "created", -1 } }, new CreateIndexOptions { Name = "level" }),
        new(new BsonDocument { { "logger", 1 }, { "created", -1 } }, new CreateIndexOptions { Name = "logger" }),
        new(new BsonDocument { { "ctx.k", 1 }, { "ctx.v", 1 } }, new CreateIndexOptions { Name = "context" }),
        new(new BsonDocument { { "message", "text" } }, new CreateIndexOptions { Name = "message_text", DefaultLanguage = "none" }),
        new(new BsonDocument { { "expire_at", 1 } }, new CreateIndexOptions { Name = "retention", ExpireAfter = TimeSpan.Zero, Sparse = true }),
    ];

    public static BsonDocument Filter(RecordQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var and = new BsonArray();
        if (query.From is { } from || query.To is not null)
        {
            var range = new BsonDocument();
            if (query.From is { } f)
            {
                range.Add("$gte", RecordQuery.UnixSeconds(f));
            }

            if (query.To is { } t)
            {
                range.Add("$lt", RecordQuery.UnixSeconds(t));
            }

            and.Add(new BsonDocument("created", range));
        }

        if (query.MinLevel is not null || query.MaxLevel is not null)
        {
            var range = new BsonDocument();
            if (query.MinLevel is { } min)
            {
                range.Add("$gte", min);
            }

            if (query.MaxLevel is { } max)
            {
                range.Add("$lte", max);
            }

            and.Add(new BsonDocument("level", range));
        }

        if (query.LoggerPrefix is { Length: > 0 } prefix)
        {
            and.Add(new BsonDocument("logger", new BsonRegularExpression("^" + Regex.Escape(prefix))));
        }

        if (query.System is { } system)
        {
            and.Add(new BsonDocument("system", system.ToString()));
        }

        if (query.Hostname is { } host)
        {
            and.Add(new BsonDocument("hostname", host.ToLowerInvariant()));
        }

        if (query.Service is { } service)
        {
            and.Add(new BsonDocument("service", service));
        }

        if (query.TaskRootId is { } root)
        {
            and.Add(new BsonDocument("root_id", root));
        }

        // One $text for all words and phrases, negated ones too (a query may have one $text, never under $nor):
        // quoted terms are ANDed, a quoted phrase's words come in a row, a leading '-' excludes.
        var search = new List<string>();
        search.AddRange(Terms(query.Text, query.Phrases).Select(t => "\"" + t + "\""));
        foreach (var negated in query.Not)
        {
            search.AddRange(Terms(negated.Text, negated.Phrases).Select(t => "-\"" + t + "\""));
        }

        if (search.Count > 0)
        {
            // The index has no language, so words are matched as written.
            and.Add(new BsonDocument("$text", new BsonDocument { { "$search", string.Join(' ', search) }, { "$caseSensitive", false } }));
        }

        // Other negated conditions: none of them may hold.
        var nor = query.Not.Select(n => Filter(n with { Text = null, Phrases = [] })).Where(f => f.ElementCount > 0).ToList();
        if (nor.Count > 0)
        {
            and.Add(new BsonDocument("$nor", new BsonArray(nor)));
        }

        foreach (var (field, value) in query.Context)
        {
            and.Add(new BsonDocument("ctx", new BsonDocument("$elemMatch", new BsonDocument { { "k", field }, { "v", value } })));
        }

        if (query.Cursor is { } cursor)
        {
            var (created, id) = ParseCursor(cursor);
            and.Add(new BsonDocument("$or", new BsonArray
            {
                new BsonDocument("created", new BsonDocument("$lt", created)),
                new BsonDocument { { "created", created }, { "_id", new BsonDocument("$lt", id) } },
            }));
        }

        return and.Count switch
        {
            0 => [],
            1 => and[0].AsBsonDocument,
            _ => new BsonDocument("$and", and),
        };
    }

    private static IEnumerable<string> Terms(string? text, IReadOnlyList<string> phrases) =>
        (text is null ? [] : RecordQuery.Words(text)).Concat(phrases.Select(p => string.Join(' ', RecordQuery.Words(p)))).Where(t => t.Length > 0);

    public static string Cursor(double created, ObjectId id) => string.Create(CultureInfo.InvariantCulture, $"{created:R}:{id}");

    public static (double Created, ObjectId Id) ParseCursor(string cursor)
    {
        int colon = cursor.LastIndexOf(':');
        return colon > 0 &&
            double.TryParse(cursor.AsSpan(0, colon), NumberStyles.Float, CultureInfo.InvariantCulture, out double created) &&
            ObjectId.TryParse(cursor[(colon + 1)..], out var id)
            ? (created, id)
            : throw new ArgumentException($"'{cursor}' is not a cursor of this MongoDB store", nameof(cursor));
    }
}
