using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using Distlog.Protocol;
using Distlog.Query;
using Distlog.Store.Sqlite;
using Distlog.Viewer;
using Microsoft.Data.Sqlite;

namespace Distlog.Benchmarks;

/// <summary>
/// The viewer's task list on a big SQLite store: <c>tasks</c> root tasks of 10 to 1,000 records each (log-uniform:
/// most are small, as in life; about 215 on average), in subtasks of ten, 5 % failed, some errors. The rows go in
/// through the store's own INSERT, in the store's own schema; to build 20 million of them in minutes the indexes are
/// made after the rows, and the full-text index is left empty (the list reads none of it).
/// Measured in the same run: <c>GET /api/tasks?limit=50</c> over HTTP (the store's summary query), the same with a
/// filter, and the peer: the list as it was built before, from each task's tree (the store-independent default).
/// Target of issue 15: the list under 200 ms.
/// </summary>
internal static class TaskListHarness
{
    public static async Task<int> RunAsync(int tasks, string? keep)
    {
        string dir = keep ?? Directory.CreateTempSubdirectory("task-list-bench-").FullName;
        string path = Path.Combine(dir, "store.db");
        try
        {
            if (!File.Exists(path))
            {
                var watch = Stopwatch.StartNew();
                long rows = Fill(path, tasks);
                Console.WriteLine($"store: {tasks:N0} tasks, {rows:N0} records, {new FileInfo(path).Length / 1e9:N1} GB, built in {watch.Elapsed.TotalSeconds:N0} s");
            }

            var store = new SqliteRecordStore(path);
            await using var viewer = await ViewerServer.StartAsync("http://127.0.0.1:0", store, new LiveFeed());
            using var http = new HttpClient { BaseAddress = new Uri(viewer.Address), Timeout = TimeSpan.FromMinutes(5) };

            async Task<double> List(string query)
            {
                var start = Stopwatch.StartNew();
                var answer = await http.GetFromJsonAsync<TaskList>("/api/tasks?" + query);
                double ms = start.Elapsed.TotalMilliseconds;
                if (answer is null || answer.Tasks.Count == 0)
                {
                    throw new InvalidOperationException($"/api/tasks?{query} listed no task");
                }

                return ms;
            }

            var all = await TimesAsync(() => List("limit=50"), 21);
            var errors = await TimesAsync(() => List("limit=50&level=ERROR"), 21);
            var most = await TimesAsync(() => List("limit=500"), 11);
            var trees = await TimesAsync(async () =>
            {
                var start = Stopwatch.StartNew();
                var list = await RecordStoreExtensions.ListTasksFromTreesAsync(store, new RecordQuery(), 50);
                return list.Count > 0 ? start.Elapsed.TotalMilliseconds : throw new InvalidOperationException("no task");
            }, 5);

            Console.WriteLine("| request | median ms | p90 ms | runs |");
            Console.WriteLine("| --- | ---: | ---: | ---: |");
            Row("GET /api/tasks?limit=50 (summary query)", all);
            Row("GET /api/tasks?limit=50&level=ERROR", errors);
            Row("GET /api/tasks?limit=500", most);
            Row("peer: the same 50 from each task's tree", trees);
            Console.WriteLine($"ratio: the summary query answers in {Median(all) / Median(trees):N3}x the time of the tree reads ({Median(trees) / Median(all):N0} times faster)");
            return Median(all) < 200 ? 0 : 1;
        }
        finally
        {
            if (keep is null)
            {
                SqliteConnection.ClearAllPools();
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    private static long Fill(string path, int tasks)
    {
        // The schema, as the plugin makes it; then the indexes and triggers come off while the rows go in.
        using (var created = SqliteSchema.OpenForWriting(path))
        {
        }

        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        SqliteSchema.Execute(connection, """
            PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
            DROP INDEX ix_records_task; DROP INDEX ix_records_created; DROP INDEX ix_records_level; DROP INDEX ix_records_keep; DROP INDEX ix_records_delivery;
            DROP TRIGGER records_fts_insert; DROP TRIGGER records_fts_delete;
            """);
        var random = new Random(15);
        double start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0 - tasks * 0.05 - 3600;
        var body = new ArrayBufferWriter<byte>(512);
        long rows = 0;
        var transaction = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.CommandText = SqliteSchema.Insert;
        var p = new Dictionary<string, SqliteParameter>();
        foreach (string name in (string[])["$created", "$received", "$level", "$logger", "$system", "$hostname", "$service", "$message", "$root_id", "$scope_id", "$seq", "$keep", "$body", "$delivery"])
        {
            p[name] = insert.Parameters.Add(name, SqliteType.Text);
        }

        insert.Prepare();
        for (int t = 0; t < tasks; t++)
        {
            string root = Guid.NewGuid().ToString("N");
            int records = (int)Math.Round(Math.Exp(Math.Log(10) + random.NextDouble() * (Math.Log(1000) - Math.Log(10))));
            bool failed = random.Next(20) == 0;
            string service = "svc-" + random.Next(8).ToString(CultureInfo.InvariantCulture);
            string host = "host-" + random.Next(4).ToString(CultureInfo.InvariantCulture);
            double time = start + t * 0.05;
            long rootSeq = 0;
            void Add(string scope, long seq, string message, int level, TaskBoundary? boundary)
            {
                time += 0.00001;
                var record = new LogRecord
                {
                    Name = "Bench.Orders", Msg = message, Message = message, LevelNo = level, LevelName = Levels.NameOf(level), Created = time,
                    Hostname = host, Service = service, Process = 1, Context = new RecordContext(TaskKey.Format(seq, scope), []), Task = boundary,
                };
                body.ResetWrittenCount();
                JsonRecordCodec.Default.Encode(record, body);
                p["$created"].Value = time;
                p["$received"].Value = time;
                p["$level"].Value = level;
                p["$logger"].Value = record.Name;
                p["$system"].Value = "P";
                p["$hostname"].Value = host;
                p["$service"].Value = service;
                p["$message"].Value = message;
                p["$root_id"].Value = root;
                p["$scope_id"].Value = scope;
                p["$seq"].Value = seq;
                p["$keep"].Value = 0;
                p["$body"].Value = Encoding.UTF8.GetString(body.WrittenSpan);
                p["$delivery"].Value = DBNull.Value;
                insert.ExecuteNonQuery();
                if (++rows % 200_000 == 0)
                {
                    transaction.Commit();
                    transaction.Dispose();
                    transaction = connection.BeginTransaction();
                    insert.Transaction = transaction;
                }
            }

            insert.Transaction = transaction;
            Add(root, rootSeq++, $"order {t}", Levels.Info, new TaskBoundary(TaskBoundary.Enter, TaskBoundary.Running, null));
            int left = records - 2;
            for (int sub = 1; left > 0; sub++)
            {
                string scope = $"{root}/{sub}";
                int here = Math.Min(10, left);
                for (int i = 0; i < here; i++)
                {
                    Add(scope, i, $"step {i} of part {sub}", random.Next(100) == 0 ? Levels.Error : Levels.Info, null);
                }

                left -= here;
            }

            Add(root, rootSeq, $"order {t} done", Levels.Info, new TaskBoundary(TaskBoundary.Exit, failed ? TaskBoundary.Failed : TaskBoundary.Succeeded, records * 0.01));
        }

        transaction.Commit();
        transaction.Dispose();
        connection.Close();
        using (var indexed = SqliteSchema.OpenForWriting(path))
        {
            SqliteSchema.Execute(indexed, "ANALYZE;");
        }

        return rows;
    }

    private static async Task<List<double>> TimesAsync(Func<Task<double>> measure, int runs)
    {
        await measure(); // warm-up
        var times = new List<double>(runs);
        for (int i = 0; i < runs; i++)
        {
            times.Add(await measure());
        }

        return times;
    }

    private static double Median(List<double> times) => times.Order().ElementAt(times.Count / 2);

    private static void Row(string what, List<double> times) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {what} | {Median(times):N1} | {times.Order().ElementAt((int)(times.Count * 0.9)):N1} | {times.Count} |"));

    private sealed record TaskList(List<TaskSummary> Tasks);
}
