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
        var where = Filters(query, command);
        void Add(string condition, params (string Name, object Value)[] parameters)
        {
            where.Add(condition);
            foreach (var (name, value) in parameters)
            {
                command.Parameters.AddWithValue(name, value);
            }
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
        return Task.FromResult(ReadTask(rootId, null, limit));
    }

    /// <inheritdoc/>
    /// <remarks>A range of the task index: the scope ids from the scope's own to the next one that cannot be below it
    /// (<c>/</c> is followed by <c>0</c>); what else sorts in there (<c>id/1-x</c>) is left out.</remarks>
    public Task<(IReadOnlyList<StoredRecord> Records, bool Truncated)> ReadScopeAsync(string scopeId, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(scopeId);
        return Task.FromResult(ReadTask(TaskIds.RootOf(scopeId), scopeId, limit));
    }

    /// <summary>A task's records (or one scope's and those below it) as a tree needs them: placed, counted and coloured
    /// from the columns, the bodies left in the store until a record is read (see <see cref="Bodies"/>).</summary>
    private (IReadOnlyList<StoredRecord> Records, bool Truncated) ReadTask(string rootId, string? scopeId, int limit)
    {
        using var connection = SqliteSchema.OpenForReading(Path);
        using var command = connection.CreateCommand();
        command.CommandText = scopeId is null
            ? "SELECT id, system, created, scope_id, seq, level, hostname, service FROM records WHERE root_id = $root ORDER BY scope_id, seq LIMIT $limit"
            : "SELECT id, system, created, scope_id, seq, level, hostname, service FROM records WHERE root_id = $root AND scope_id >= $scope AND scope_id < $scope || '0' ORDER BY scope_id, seq";
        command.Parameters.AddWithValue("$root", rootId);
        command.Parameters.AddWithValue("$scope", scopeId ?? "");
        command.Parameters.AddWithValue("$limit", (long)limit + 1);
        var records = new List<StoredRecord>();
        var bodies = new Bodies(Path, rootId);
        string? scope = null;
        long previous = -1;
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            string id = reader.GetString(3);
            if (scopeId is not null && !TaskIds.IsInScope(id, scopeId))
            {
                continue;
            }

            if (records.Count == limit)
            {
                bodies.Edge(previous);
                return (records, true);
            }

            long row = reader.GetInt64(0);
            if (id != scope)
            {
                bodies.Edge(previous); // the last record of the scope before
                bodies.Edge(row); // the first of this one
                scope = id;
            }

            string system = reader.GetString(1);
            var outline = new RecordOutline(
                TaskKey.Create(reader.GetInt64(4), id),
                reader.GetDouble(2),
                reader.GetInt32(5),
                reader.IsDBNull(6) ? null : reader.GetString(6),
                reader.IsDBNull(7) ? null : reader.GetString(7));
            records.Add(new StoredRecord(row.ToString(CultureInfo.InvariantCulture), system.Length > 0 ? system[0] : 'P', outline, () => bodies.Decode(row, outline)));
            previous = row;
        }

        bodies.Edge(previous);
        return (records, false);
    }

    /// <summary>
    /// The bodies of one tree read, fetched when its records are first read, not with the outlines: a tree of 100,000
    /// records whose subtasks are folded reads a few hundred bodies, not 100,000.
    /// </summary>
    /// <remarks>The first read fetches every scope's first and last record, which say its title and how it ended.
    /// Any other record fetches its whole scope's bodies; past eight scopes, the whole task's. So a tree read whole
    /// costs at most ten queries. Bodies already taken are not kept again.</remarks>
    private sealed class Bodies(string path, string rootId)
    {
        private readonly Lock _gate = new();
        private readonly Dictionary<long, byte[]> _bodies = [];
        private readonly HashSet<string> _scopesRead = new(StringComparer.Ordinal);
        private List<long>? _edges = [];
        private bool _all;
        private readonly HashSet<long> _taken = [];

        public void Edge(long row)
        {
            if (row >= 0)
            {
                _edges?.Add(row);
            }
        }

        public LogRecord Decode(long row, RecordOutline outline)
        {
            byte[]? body;
            lock (_gate)
            {
                if (!_bodies.Remove(row, out body) && _edges is { } edges)
                {
                    _edges = null;
                    Fetch($"SELECT id, body FROM records WHERE id IN ({string.Join(',', edges.Distinct())})", null);
                    _bodies.Remove(row, out body);
                }

                if (body is null && !_all && outline.Key is { } key && _scopesRead.Add(key.ScopeId))
                {
                    // Past a few scopes the tree is being read whole: the rest of it comes in one query.
                    _all = _scopesRead.Count > 8;
                    Fetch(_all ? "SELECT id, body FROM records WHERE root_id = $root" : "SELECT id, body FROM records WHERE root_id = $root AND scope_id = $scope", key.ScopeId);
                    _bodies.Remove(row, out body);
                }
            }

            // Deleted since the outline was read (retention ran between): what the outline knows, said as such.
            return body is not null ? JsonRecordCodec.Default.Decode(body) : new LogRecord
            {
                Created = outline.Created, LevelNo = outline.Level, LevelName = Levels.NameOf(outline.Level), Hostname = outline.Hostname,
                Service = outline.Service, Message = "(this record was deleted from the store while it was being read)",
                Context = outline.Key is { } k ? new RecordContext(k.ToString(), []) : null,
            };
        }

        private void Fetch(string sql, string? scope)
        {
            using var connection = SqliteSchema.OpenForReading(path);
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            command.Parameters.AddWithValue("$root", rootId);
            command.Parameters.AddWithValue("$scope", (object?)scope ?? DBNull.Value);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                if (_taken.Add(reader.GetInt64(0)))
                {
                    _bodies.Add(reader.GetInt64(0), reader.GetFieldValue<byte[]>(1));
                }
            }
        }
    }

    /// <inheritdoc/>
    /// <remarks>Three statements, whatever the tasks' sizes: the newest matching records' root ids (the column alone,
    /// newest first, until <paramref name="limit"/> tasks are named or 200,000 records were looked at), one
    /// aggregate over those tasks' records, and the first and last record of each root scope. The definition it
    /// agrees with is <see cref="TaskSummary.Of"/>.</remarks>
    public Task<IReadOnlyList<TaskSummary>> ListTasksAsync(RecordQuery filters, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filters);
        using var connection = SqliteSchema.OpenForReading(Path);
        var roots = NewestRoots(connection, filters, Math.Clamp(limit, 1, 10_000));
        if (roots.Count == 0)
        {
            return Task.FromResult<IReadOnlyList<TaskSummary>>([]);
        }

        string Roots(SqliteCommand command)
        {
            for (int i = 0; i < roots.Count; i++)
            {
                command.Parameters.AddWithValue("$r" + i, roots[i]);
            }

            return string.Join(", ", roots.Select((_, i) => "$r" + i));
        }

        var totals = new Dictionary<string, (long Records, long Errors, long Warnings, double Started, double Last, string? First, long Gaps, string Services, string Hosts)>(StringComparer.Ordinal);
        using (var command = connection.CreateCommand())
        {
            // One row per key (a record written twice counts once), then per scope its missing seqs, then per task.
            command.CommandText = $"""
                WITH k AS (
                    SELECT root_id, scope_id, seq, max(level) AS level, min(created) AS created, message, hostname,
                           coalesce(service, json_extract(body, '$.{Fields.Module}'), json_extract(body, '$.{Fields.ProcessName}')) AS service
                    FROM records WHERE root_id IN ({Roots(command)}) AND seq IS NOT NULL
                    GROUP BY root_id, scope_id, seq),
                s AS (SELECT root_id, sum(missing) AS gaps FROM (SELECT root_id, max(seq) + 1 - count(*) AS missing FROM k GROUP BY root_id, scope_id) GROUP BY root_id)
                SELECT k.root_id, count(*), sum(k.level >= {Levels.Error}), sum(k.level >= {Levels.Warning} AND k.level < {Levels.Error}), min(k.created), max(k.created), k.message, s.gaps,
                       json_group_array(DISTINCT k.service), json_group_array(DISTINCT k.hostname)
                FROM k JOIN s ON s.root_id = k.root_id GROUP BY k.root_id
                """;
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                totals[reader.GetString(0)] = (reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetDouble(4), reader.GetDouble(5), reader.IsDBNull(6) ? null : reader.GetString(6),
                    reader.GetInt64(7), reader.GetString(8), reader.GetString(9));
            }
        }

        // The root scope's first and last records, which say (as TaskScope.Enter and Exit read them) its title and how it ended.
        var ends = new Dictionary<string, (Edge? First, Edge? Last)>(StringComparer.Ordinal);
        using (var command = connection.CreateCommand())
        {
            command.CommandText = $"""
                SELECT r.root_id, r.seq = b.lo, r.seq = b.hi, r.message, r.seq, r.created,
                       json_extract(r.body, '$.{Fields.Task}.{Fields.TaskEvent}'), json_extract(r.body, '$.{Fields.Task}.{Fields.TaskStatus}'), json_extract(r.body, '$.{Fields.Task}.{Fields.TaskElapsedMs}')
                FROM (SELECT root_id, min(seq) AS lo, max(seq) AS hi, count(DISTINCT seq) AS n FROM records WHERE root_id IN ({Roots(command)}) AND scope_id = root_id GROUP BY root_id) b
                JOIN records r ON r.root_id = b.root_id AND r.scope_id = b.root_id AND r.seq IN (b.lo, b.hi)
                """;
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                string root = reader.GetString(0);
                var edge = new Edge(reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetInt64(4), reader.GetDouble(5),
                    reader.IsDBNull(6) ? null : reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7), reader.IsDBNull(8) ? null : reader.GetDouble(8));
                var (first, last) = ends.GetValueOrDefault(root);
                ends[root] = (reader.GetBoolean(1) ? edge : first, reader.GetBoolean(2) ? edge : last);
            }
        }

        var summaries = new List<TaskSummary>(roots.Count);
        foreach (string root in roots)
        {
            if (totals.TryGetValue(root, out var t))
            {
                var (first, last) = ends.GetValueOrDefault(root);
                string? title = first is { } f && (f.Event == TaskBoundary.Enter || (f.Event is null && f.Seq == 0)) ? f.Message : null;
                string status = TaskBoundary.Running;
                double? elapsed = null;
                if (first is { } opened && last is { } closed && closed.Seq != opened.Seq)
                {
                    if (closed.Event == TaskBoundary.Exit)
                    {
                        (status, elapsed) = (closed.Status ?? TaskBoundary.Running, closed.ElapsedMs);
                    }
                    else if (opened.Event is null && closed.Event is null && title is not null && closed.Created >= t.Last && closed.Message == "DONE " + title)
                    {
                        // The original client's closing record (TaskScope.Status); a root has no parent to log after it.
                        (status, elapsed) = (TaskBoundary.Succeeded, (closed.Created - opened.Created) * 1000);
                    }
                }

                summaries.Add(new TaskSummary(root, title ?? t.First, TaskSummary.StatusOf(status, t.Errors), t.Started, t.Last, elapsed, t.Records, t.Errors, t.Warnings, t.Gaps, Names(t.Services), Names(t.Hosts)));
            }
        }

        return Task.FromResult<IReadOnlyList<TaskSummary>>(summaries);
    }

    /// <summary>The root ids of the newest records that satisfy <paramref name="filters"/>, in that order, distinct.</summary>
    private static List<string> NewestRoots(SqliteConnection connection, RecordQuery filters, int limit)
    {
        using var command = connection.CreateCommand();
        var where = Filters(filters, command);
        where.Add("root_id IS NOT NULL");
        command.CommandText = "SELECT root_id FROM records WHERE " + string.Join(" AND ", where) + " ORDER BY created DESC, id DESC LIMIT 200000";
        var roots = new List<string>(limit);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        using var reader = command.ExecuteReader();
        while (roots.Count < limit && reader.Read())
        {
            string root = reader.GetString(0);
            if (seen.Add(root))
            {
                roots.Add(root);
            }
        }

        return roots;
    }

    /// <summary>The names of a JSON array, distinct and sorted, as <see cref="TaskSummary"/> lists them.</summary>
    private static List<string> Names(string jsonArray) =>
        (System.Text.Json.JsonSerializer.Deserialize<List<string?>>(jsonArray) ?? []).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

    /// <summary>The conditions of <paramref name="query"/>'s filters (not its cursor), their values added to
    /// <paramref name="command"/> as parameters.</summary>
    /// <param name="query">The query.</param>
    /// <param name="command">The command the parameters go to.</param>
    /// <param name="prefix">Starts the parameters' names: a negated part's conditions sit beside the query's own.</param>
    private static List<string> Filters(RecordQuery query, SqliteCommand command, string prefix = "$")
    {
        var where = new List<string>();
        void Add(string condition, params (string Name, object Value)[] parameters)
        {
            foreach (var (name, value) in parameters)
            {
                string named = prefix + name[1..];
                condition = condition.Replace(name, named, StringComparison.Ordinal);
                command.Parameters.AddWithValue(named, value);
            }

            where.Add(condition);
        }

        if (query.From is { } from)
        {
            Add("created >= $from", ("$from", RecordQuery.UnixSeconds(from)));
        }

        if (query.To is { } to)
        {
            Add("created < $to", ("$to", RecordQuery.UnixSeconds(to)));
        }

        if (query.MinLevel is { } min)
        {
            Add("level >= $min", ("$min", min));
        }

        if (query.MaxLevel is { } max)
        {
            Add("level <= $max", ("$max", max));
        }

        if (query.LoggerPrefix is { Length: > 0 } logger)
        {
            // substr keeps the comparison ordinal and case-sensitive, as the query model says.
            Add("substr(logger, 1, length($logger)) = $logger", ("$logger", logger));
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

        // Words and phrases in one full-text match: FTS5 reads "a b" as a phrase (its words in a row).
        var terms = (query.Text is { } text ? RecordQuery.Words(text) : []).Select(w => new[] { w })
            .Concat(query.Phrases.Select(p => RecordQuery.Words(p).ToArray()))
            .Where(words => words.Length > 0)
            .Select(words => "\"" + string.Join(' ', words).Replace("\"", "\"\"", StringComparison.Ordinal) + "\"").ToList();
        if (terms.Count > 0)
        {
            Add("id IN (SELECT rowid FROM records_fts WHERE records_fts MATCH $text)", ("$text", string.Join(" AND ", terms)));
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

        for (int n = 0; n < query.Not.Count; n++)
        {
            var negated = Filters(query.Not[n], command, $"{prefix}n{n}_");
            if (negated.Count > 0)
            {
                // A column that is NULL (no service, say) does not meet the condition, so the record stays.
                where.Add("coalesce((" + string.Join(" AND ", negated) + "), 0) = 0");
            }
        }

        return where;
    }

    private static StoredRecord Read(SqliteDataReader reader)
    {
        long id = reader.GetInt64(0);
        string system = reader.GetString(1);
        // The body's UTF-8 bytes as SQLite holds them: no string is made of them first.
        var record = JsonRecordCodec.Default.Decode(reader.GetFieldValue<byte[]>(2));
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

    /// <summary>A root scope's first or last record, as far as the task list needs it.</summary>
    private readonly record struct Edge(string? Message, long Seq, double Created, string? Event, string? Status, double? ElapsedMs);
}
