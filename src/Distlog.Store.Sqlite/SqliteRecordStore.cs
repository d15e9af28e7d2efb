using System.Globalization;
using System.Text;
using Distlog.Protocol;
using Distlog.Query;
using Microsoft.Data.Sqlite;

namespace Distlog.Store.Sqlite;

/// <summary>Answers the query model from a distlog SQLite file; read-only, so it can run beside the daemon that
/// writes the file (WAL) or on a copy of it.</summary>
/// <remarks>Thread-safe: every call opens its own connection.</remarks>
public sealed class SqliteRecordStore : IRecordStore
{
    /// <summary>Reads the store at <paramref name="path"/>.</summary>
    public SqliteRecordStore(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = path;
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <inheritdoc/>
    public Task<RecordPage> QueryAsync(RecordQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        int limit = query.EffectiveLimit;
        using var connection = SqliteSchema.OpenForReading(Path);
        using var command = connection.CreateCommand();
        var where = new List<string>();
        void Add(string condition, params (string Name, object Value)[] parameters)
        {
            where.Add(condition);
            foreach (var (name, value) in parameters)
            {
                command.Parameters.AddWithValue(name, value);
            }
        }

        if (query.From is { } from)
        {
            Add("created >= $from", ("$from", from.ToUnixTimeMilliseconds() / 1000.0));
        }

        if (query.To is { } to)
        {
            Add("created < $to", ("$to", to.ToUnixTimeMilliseconds() / 1000.0));
        }

        if (query.MinLevel is { } min)
        {
            Add("level >= $min", ("$min", min));
        }

        if (query.MaxLevel is { } max)
        {
            Add("level <= $max", ("$max", max));
        }

        if (query.LoggerPrefix is { Length: > 0 } prefix)
        {
            // substr keeps the comparison ordinal and case-sensitive, as the query model says.
            Add("substr(logger, 1, length($logger)) = $logger", ("$logger", prefix));
        }

        if (query.System is { } system)
        {
            Add("system = $system", ("$system", system.ToString()));
        }

        if (query.Hostname is { } host)
        {
            Add("hostname = $host COLLATE NOCASE", ("$host", host));
        }

        if (query.Service is { } service)
        {
            Add("service = $service", ("$service", service));
        }

        if (query.TaskRootId is { } root)
        {
            Add("root_id = $root", ("$root", root));
        }

        if (query.Text is { } text)
        {
            var words = RecordQuery.Words(text).Select(w => "\"" + w.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"").ToList();
            if (words.Count > 0)
            {
                Add("id IN (SELECT rowid FROM records_fts WHERE records_fts MATCH $text)", ("$text", string.Join(" AND ", words)));
            }
        }

        int i = 0;
        foreach (var (field, value) in query.Context)
        {
            // A JSON path as a parameter: the field name is data, never SQL.
            string p = "$path" + i, v = "$value" + i++;
            Add($"(CASE json_type(body, {p}) WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' WHEN 'text' THEN json_extract(body, {p}) " +
                $"WHEN 'integer' THEN CAST(json_extract(body, {p}) AS TEXT) WHEN 'real' THEN CAST(json_extract(body, {p}) AS TEXT) END) = {v}",
                (p, "$.context." + JsonPathKey(field)), (v, value));
        }

        if (query.Cursor is { } cursor)
        {
            var (created, id) = ParseCursor(cursor);
            Add("(created < $ccreated OR (created = $ccreated AND id < $cid))", ("$ccreated", created), ("$cid", id));
        }

        command.CommandText = "SELECT id, system, body, created FROM records" +
            (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : string.Empty) +
            " ORDER BY created DESC, id DESC LIMIT $limit";
        command.Parameters.AddWithValue("$limit", limit + 1);
        var records = new List<StoredRecord>(Math.Min(limit, 1000));
        string? next = null;
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                if (records.Count == limit)
                {
                    var last = records[^1];
                    next = FormatCursor(last.Record.Created, long.Parse(last.Id, CultureInfo.InvariantCulture));
                    break;
                }

                records.Add(Read(reader));
            }
        }

        return Task.FromResult(new RecordPage(records, next));
    }

    /// <inheritdoc/>
    public Task<(IReadOnlyList<StoredRecord> Records, bool Truncated)> ReadTaskAsync(string rootId, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(rootId);
        using var connection = SqliteSchema.OpenForReading(Path);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, system, body, created FROM records WHERE root_id = $root ORDER BY scope_id, seq LIMIT $limit";
        command.Parameters.AddWithValue("$root", rootId);
        command.Parameters.AddWithValue("$limit", (long)limit + 1);
        var records = new List<StoredRecord>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            if (records.Count == limit)
            {
                return Task.FromResult<(IReadOnlyList<StoredRecord>, bool)>((records, true));
            }

            records.Add(Read(reader));
        }

        return Task.FromResult<(IReadOnlyList<StoredRecord>, bool)>((records, false));
    }

    private static StoredRecord Read(SqliteDataReader reader)
    {
        long id = reader.GetInt64(0);
        string system = reader.GetString(1);
        var record = JsonRecordCodec.Default.Decode(Encoding.UTF8.GetBytes(reader.GetString(2)));
        return new StoredRecord(id.ToString(CultureInfo.InvariantCulture), system.Length > 0 ? system[0] : 'P', record);
    }

    private static string FormatCursor(double created, long id) =>
        string.Create(CultureInfo.InvariantCulture, $"{created:R}:{id}");

    private static (double Created, long Id) ParseCursor(string cursor)
    {
        int colon = cursor.LastIndexOf(':');
        return colon > 0 &&
            double.TryParse(cursor.AsSpan(0, colon), NumberStyles.Float, CultureInfo.InvariantCulture, out double created) &&
            long.TryParse(cursor.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out long id)
            ? (created, id)
            : throw new ArgumentException($"'{cursor}' is not a cursor of this SQLite store", nameof(cursor));
    }

    /// <summary>A JSON path member: quoted, so any field name (dots, spaces) is one member.</summary>
    private static string JsonPathKey(string field) => "\"" + field.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
