using System.CommandLine;
using System.Globalization;
using System.Text;
using Distlog.Plugins;
using Distlog.Protocol;
using Distlog.Query;
using NetMQ;
using NetMQ.Sockets;

namespace Distlog.Cli;

/// <summary>The subcommands, their options, and what they do.</summary>
internal static class Commands
{
    private const int Failure = 1;

    // Where records come from (tree, query).
    private static readonly Option<string?> s_sqlite = new("--sqlite") { Description = "a SQLite store written by distlogd (the default: logs/distlog.db)" };
    private static readonly Option<string?> s_redis = new("--redis") { Description = "a Redis store: host:port or a StackExchange.Redis configuration string" };
    private static readonly Option<string> s_stream = new("--stream") { Description = "the Redis store's stream", DefaultValueFactory = _ => "distlog" };
    private static readonly Option<string?> s_mongodb = new("--mongodb") { Description = "a MongoDB store: its connection string" };
    private static readonly Option<string> s_database = new("--database") { Description = "the MongoDB database", DefaultValueFactory = _ => "distlog" };
    private static readonly Option<string> s_collection = new("--collection") { Description = "the MongoDB collection, or its template ({system}, {service})", DefaultValueFactory = _ => "records" };
    private static readonly Option<string?> s_file = new("--file") { Description = "a JSON-lines file written by the file plugin (offline)" };

    // Which records (query, tail).
    private static readonly Option<string?> s_from = new("--from") { Description = "records created at or after: a time (2026-11-25T12:00Z) or an age (15m, 2h, 1d)" };
    private static readonly Option<string?> s_to = new("--to") { Description = "records created before: a time or an age" };
    private static readonly Option<string?> s_level = new("--level") { Description = "lowest level: TRACE, DEBUG, INFO, WARNING, ERROR, CRITICAL or a number" };
    private static readonly Option<string?> s_maxLevel = new("--max-level") { Description = "highest level" };
    private static readonly Option<string?> s_logger = new("--logger") { Description = "logger names starting with this" };
    private static readonly Option<string?> s_system = new("--system") { Description = "P, S or T" };
    private static readonly Option<string?> s_host = new("--host") { Description = "host name (any case)" };
    private static readonly Option<string?> s_service = new("--service") { Description = "service name" };
    private static readonly Option<string?> s_text = new("--text") { Description = "words that must all be in the message" };
    private static readonly Option<string?> s_task = new("--task") { Description = "only the records of this task (any key or id of it)" };
    private static readonly Option<string[]> s_context = new("--context") { Description = "FIELD=VALUE on the context; repeat for more", AllowMultipleArgumentsPerToken = false };

    // How it looks.
    private static readonly Option<string> s_color = new("--color") { Description = "auto, always or never", DefaultValueFactory = _ => "auto" };
    private static readonly Option<bool> s_utc = new("--utc") { Description = "times in UTC rather than local time" };

    public static Command Tail()
    {
        var daemon = new Option<string>("--daemon") { Description = "distlogd's publish endpoint", DefaultValueFactory = _ => "tcp://127.0.0.1:5013" };
        var count = new Option<int?>("--count") { Description = "exit after this many records" };
        var json = new Option<bool>("--json") { Description = "one JSON record a line" };
        var serverKey = new Option<string?>("--server-key") { Description = $"distlogd's CURVE public key, when it has curve: (default ${Native.CurveClientKeys.ServerKeyVariable})", DefaultValueFactory = _ => Environment.GetEnvironmentVariable(Native.CurveClientKeys.ServerKeyVariable) };
        var keyFile = new Option<string?>("--key-file") { Description = $"this client's CURVE secret key file (distlogd keygen --out) (default ${Native.CurveClientKeys.KeyFileVariable})", DefaultValueFactory = _ => Environment.GetEnvironmentVariable(Native.CurveClientKeys.KeyFileVariable) };
        var command = new Command("tail", "Live records from distlogd's publish plugin, indented by task depth, coloured by level; Ctrl+C stops.")
        {
            daemon, count, json, serverKey, keyFile, s_from, s_to, s_level, s_maxLevel, s_logger, s_system, s_host, s_service, s_text, s_task, s_context, s_color, s_utc,
        };
        command.SetAction((result, token) => Run(() => TailAsync(result, result.GetValue(daemon)!, result.GetValue(count), result.GetValue(json), (result.GetValue(serverKey), result.GetValue(keyFile)), token)));
        return command;
    }

    public static Command Tree()
    {
        var key = new Argument<string>("KEY-OR-TASK-ID") { Description = "any key (3@id/1), scope id (id/1) or root id of the task" };
        var depth = new Option<int?>("--depth") { Description = "fold subtasks deeper than this (the root is 0)" };
        var limit = new Option<int>("--limit") { Description = "read at most this many records", DefaultValueFactory = _ => RecordStoreExtensions.DefaultTreeLimit };
        var command = new Command("tree", "The whole tree of one task, across processes: scopes with status and duration, records in order, gaps where records never arrived.")
        {
            key, depth, limit, s_sqlite, s_redis, s_stream, s_mongodb, s_database, s_collection, s_file, s_color, s_utc,
        };
        command.SetAction((result, token) => Run(async () =>
        {
            var store = OpenStore(result);
            string id = result.GetValue(key)!;
            var tree = await store.GetTaskTreeAsync(id, Math.Max(1, result.GetValue(limit)), token);
            if (tree is null)
            {
                await Console.Error.WriteLineAsync($"distlog: no records of task '{id}' in {Describe(result)}");
                return Failure;
            }

            TreePrinter.Print(Console.Out, tree, StyleOf(result), result.GetValue(depth) ?? int.MaxValue);
            await ReportSkippedAsync(store);
            return 0;
        }));
        return command;
    }

    public static Command Query()
    {
        var limit = new Option<int>("--limit") { Description = $"at most this many records (up to {RecordQuery.MaxLimit})", DefaultValueFactory = _ => 100 };
        var json = new Option<bool>("--json") { Description = "one JSON record a line (the seed's shape), for scripts and jq" };
        var text = new Argument<string?>("QUERY")
        {
            Description = "a query, as in the viewer's box: level>=warning service:orders \"payment failed\" user=leo -host:test (see the README)",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var command = new Command("query", "Records that satisfy the query and every filter given, newest first.")
        {
            text, limit, json, s_sqlite, s_redis, s_stream, s_mongodb, s_database, s_collection, s_file,
            s_from, s_to, s_level, s_maxLevel, s_logger, s_system, s_host, s_service, s_text, s_task, s_context, s_color, s_utc,
        };
        command.SetAction((result, token) => Run(async () =>
        {
            var store = OpenStore(result);
            var query = RecordQueryLanguage.Combine(RecordQueryLanguage.Parse(result.GetValue(text), assumeLocal: true), Filters(result))
                with { Limit = Math.Clamp(result.GetValue(limit), 1, RecordQuery.MaxLimit) };
            var page = await store.QueryAsync(query, token);
            var style = StyleOf(result);
            foreach (var stored in page.Records)
            {
                Console.WriteLine(result.GetValue(json) ? Json(stored.Record) : style.Line(stored.Record));
            }

            await ReportSkippedAsync(store);
            if (page.NextCursor is not null && !result.GetValue(json))
            {
                await Console.Error.WriteLineAsync($"distlog: more records than --limit {query.Limit}");
            }

            return 0;
        }));
        return command;
    }

    private static async Task<int> TailAsync(ParseResult result, string endpoint, int? count, bool json, (string? Server, string? File) curve, CancellationToken token)
    {
        var query = Filters(result);
        var style = StyleOf(result);
        using var socket = new SubscriberSocket();
        socket.Options.ReceiveHighWatermark = 100_000;
        Native.CurveClientKeys.Apply(socket, curve.Server, curve.File);
        socket.Connect(endpoint);
        socket.Subscribe(query.System is { } system ? system + "." : string.Empty);
        await Console.Error.WriteLineAsync($"distlog: following {endpoint} (Ctrl+C stops)");
        int shown = 0;
        var frames = new List<byte[]>(2);
        while (!token.IsCancellationRequested && (count is null || shown < count))
        {
            if (!socket.TryReceiveMultipartBytes(TimeSpan.FromMilliseconds(200), ref frames!, 2))
            {
                continue;
            }

            if (frames.Count != 2 || frames[1].Length == 0)
            {
                continue;
            }

            LogRecord record;
            try
            {
                record = (frames[1][0] == (byte)'{' ? (IRecordCodec)JsonRecordCodec.Default : MessagePackRecordCodec.Default).Decode(frames[1]);
            }
            catch (RecordFormatException)
            {
                continue;
            }

            char recordSystem = frames[0].Length > 0 ? (char)frames[0][0] : 'P';
            if (!query.Matches(recordSystem, record))
            {
                continue;
            }

            string indent = new(' ', 2 * (record.Context?.ParsedKey?.Depth + 1 ?? 0));
            Console.WriteLine(json ? Json(record) : indent + style.Line(record));
            shown++;
        }

        return 0;
    }

    /// <summary>Says on stderr how many lines of a file were not records (they are left out, not fatal).</summary>
    private static async Task ReportSkippedAsync(IRecordStore store)
    {
        if (store is JsonLinesRecordStore { Skipped: > 0 } file)
        {
            await Console.Error.WriteLineAsync($"distlog: {file.Skipped} line(s) of {file.Path} are not records and were left out");
        }
    }

    /// <summary>Runs a command, turning what the user can fix into one line on stderr and exit code 1.</summary>
    private static async Task<int> Run(Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (OperationCanceledException)
        {
            return 0;
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or IOException or UnauthorizedAccessException or InvalidOperationException
            or Microsoft.Data.Sqlite.SqliteException or StackExchange.Redis.RedisException or MongoDB.Driver.MongoException or TimeoutException or PluginConfigurationException)
        {
            await Console.Error.WriteLineAsync("distlog: " + ex.Message);
            return Failure;
        }
    }

    private static IRecordStore OpenStore(ParseResult result)
    {
        if (result.GetValue(s_file) is { } file)
        {
            return File.Exists(file) ? new JsonLinesRecordStore(file) : throw new IOException($"no file '{file}'");
        }

        if (result.GetValue(s_redis) is { } redis)
        {
            var connection = StackExchange.Redis.ConnectionMultiplexer.Connect(redis);
            return new Distlog.Plugins.Redis.RedisRecordStore(connection, result.GetValue(s_stream)!);
        }

        if (result.GetValue(s_mongodb) is { } url)
        {
            var client = new MongoDB.Driver.MongoClient(url);
            return new Distlog.Plugins.MongoDB.MongoRecordStore(client.GetDatabase(result.GetValue(s_database)), result.GetValue(s_collection)!);
        }

        string path = result.GetValue(s_sqlite) ?? Path.Combine("logs", "distlog.db");
        return File.Exists(path)
            ? new Distlog.Store.Sqlite.SqliteRecordStore(path)
            : throw new IOException($"no SQLite store at '{path}' (name one with --sqlite, or --redis, --mongodb, --file)");
    }

    private static string Describe(ParseResult result) =>
        result.GetValue(s_file) is { } file ? file
        : result.GetValue(s_redis) is { } redis ? $"Redis {redis} stream {result.GetValue(s_stream)}"
        : result.GetValue(s_mongodb) is not null ? $"MongoDB database {result.GetValue(s_database)}"
        : result.GetValue(s_sqlite) ?? Path.Combine("logs", "distlog.db");

    private static readonly Dictionary<string, Option<string?>> s_filters = new(StringComparer.Ordinal)
    {
        ["from"] = s_from, ["to"] = s_to, ["level"] = s_level, ["maxLevel"] = s_maxLevel, ["logger"] = s_logger,
        ["system"] = s_system, ["host"] = s_host, ["service"] = s_service, ["text"] = s_text, ["task"] = s_task,
    };

    private static RecordQuery Filters(ParseResult result) => RecordQueryText.Parse(
        name => result.GetValue(s_filters[name]),
        result.GetValue(s_context) ?? [],
        name => name == "context" ? s_context.Name : s_filters[name].Name,
        assumeLocal: true);

    private static Style StyleOf(ParseResult result) => new(Style.ColorFor(result.GetValue(s_color)!), result.GetValue(s_utc));

    private static string Json(LogRecord record)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        JsonRecordCodec.Default.Encode(record, buffer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
