using System.Text;
using Distlog.Query;
using StackExchange.Redis;

namespace Distlog.Plugins.Redis;

/// <summary>
/// <c>type: redis</c>: appends every record to a Redis Stream (<c>XADD … MAXLEN ~</c>, pipelined per batch), files
/// its entry id under its root task for the query model and optionally PUBLISHes it for live consumers. While Redis is
/// down or restarting the plugin throws <see cref="PluginUnavailableException"/>, so the daemon holds the batch
/// and queues what follows (dropping and counting only what overflows the queue).
/// </summary>
/// <remarks>
/// <para>Settings: <c>url</c> (host:port or a StackExchange.Redis configuration string; default
/// <c>localhost:6379</c>), <c>password</c> (use <c>${REDIS_PASSWORD}</c>), <c>database</c> (0), <c>stream</c>
/// (<c>distlog</c>), <c>max_length</c> (approximate stream length, default 1M; 0 = unbounded), <c>task_ttl</c>
/// (how long a task's index lives after its last record, default 7d), <c>channel</c> (PUBLISH each record's JSON
/// there; off by default).</para>
/// <para>Delivery is at least once: a batch cut off by a failure is written again whole, so a record may be on the
/// stream twice; a task's index holds the ids of the write that completed, and trees drop repeats by key.</para>
/// </remarks>
public sealed class RedisPlugin : IDistlogPlugin, IRecordStoreProvider
{
    private readonly ConnectionMultiplexer _connection;
    private readonly RedisLayout _layout;
    private readonly int _database;
    private readonly long? _maxLength;
    private readonly TimeSpan _taskTtl;
    private readonly RedisChannel? _channel;
    private DateTimeOffset _lastTrim; // worker only

    /// <summary>Connects (in the background: a Redis that is down at start is waited for, not an error).</summary>
    /// <exception cref="PluginConfigurationException">A setting is invalid.</exception>
    public RedisPlugin(PluginSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        string url = settings.GetString("url") ?? "localhost:6379";
        ConfigurationOptions options;
        try
        {
            options = ConfigurationOptions.Parse(url.StartsWith("redis://", StringComparison.OrdinalIgnoreCase) ? url["redis://".Length..].TrimEnd('/') : url);
        }
        catch (ArgumentException ex)
        {
            throw settings.Error("url", $"'{url}' is not a Redis address such as localhost:6379: {ex.Message}");
        }

        if (settings.GetString("password") is { Length: > 0 } password)
        {
            options.Password = password;
        }

        options.AbortOnConnectFail = false;
        options.BacklogPolicy = BacklogPolicy.FailFast;
        options.ReconnectRetryPolicy = new LinearRetry(500);
        options.ConnectTimeout = 2000;
        options.ClientName = "distlogd";
        _database = (int)settings.GetInt64("database", 0);
        string stream = settings.GetString("stream") ?? "distlog";
        _layout = new RedisLayout(stream);
        long maxLength = settings.GetInt64("max_length", 1_000_000);
        _maxLength = maxLength > 0 ? maxLength : null;
        _taskTtl = settings.GetDuration("task_ttl", TimeSpan.FromDays(7));
        _channel = settings.GetString("channel") is { Length: > 0 } channel ? (RedisChannel?)RedisChannel.Literal(channel) : null;
        Endpoint = string.Join(",", options.EndPoints.Select(e => e.ToString()));
        _connection = ConnectionMultiplexer.Connect(options);
        Store = new RedisRecordStore(_connection, stream, _database);
    }

    /// <summary>The Redis endpoint(s), for the daemon's summary.</summary>
    public string Endpoint { get; }

    /// <inheritdoc/>
    public string? Target => Endpoint;

    /// <summary>Reads what this plugin writes.</summary>
    public IRecordStore Store { get; }

    /// <inheritdoc/>
    public async Task HandleAsync(IReadOnlyList<ReceivedRecord> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (!_connection.IsConnected)
        {
            throw new PluginUnavailableException($"Redis at {Endpoint} is not connected");
        }

        var db = _connection.GetDatabase(_database);
        try
        {
            // First the records, pipelined as plain XADDs; then, with the ids Redis gave them, the per-task index:
            // one list value a task and batch, holding its records' ids (few commands, so the index costs little).
            var added = new Task<RedisValue>[batch.Count];
            var published = new List<Task>(_channel is null ? 0 : batch.Count);
            for (int i = 0; i < batch.Count; i++)
            {
                var received = batch[i];
                RedisValue body = received.GetJsonBody();
                added[i] = db.StreamAddAsync(_layout.Stream, RedisLayout.SystemField(received.System), body,
                    maxLength: _maxLength, useApproximateMaxLength: true);
                if (_channel is { } channel)
                {
                    published.Add(db.PublishAsync(channel, body));
                }
            }

            await Task.WhenAll(added).WaitAsync(cancellationToken).ConfigureAwait(false);
            var byRoot = new Dictionary<string, (StringBuilder Ids, double First)>(StringComparer.Ordinal);
            for (int i = 0; i < batch.Count; i++)
            {
                var record = batch[i].Summary;
                if (record.Context?.ParsedKey is { } key)
                {
                    if (byRoot.TryGetValue(key.RootId, out var task))
                    {
                        task.Ids.Append(' ');
                        byRoot[key.RootId] = (task.Ids, Math.Min(task.First, record.Created));
                    }
                    else
                    {
                        task = (new StringBuilder(32), record.Created);
                        byRoot[key.RootId] = task;
                    }

                    task.Ids.Append((string?)added[i].Result);
                }
            }

            var pending = new List<Task>((byRoot.Count * 3) + published.Count + 1);
            pending.AddRange(published);
            foreach (var (root, (ids, first)) in byRoot)
            {
                var taskKey = _layout.TaskList(root);
                pending.Add(db.ListRightPushAsync(taskKey, ids.ToString()));
                if (_taskTtl > TimeSpan.Zero)
                {
                    pending.Add(db.KeyExpireAsync(taskKey, _taskTtl));
                }

                pending.Add(db.SortedSetAddAsync(_layout.Tasks, root, first, SortedSetWhen.NotExists));
            }

            if (_taskTtl > TimeSpan.Zero && DateTimeOffset.UtcNow - _lastTrim > TimeSpan.FromMinutes(1))
            {
                // The task index forgets roots whose lists have expired.
                _lastTrim = DateTimeOffset.UtcNow;
                pending.Add(db.SortedSetRemoveRangeByScoreAsync(_layout.Tasks, double.NegativeInfinity, (_lastTrim - _taskTtl).ToUnixTimeMilliseconds() / 1000.0));
            }

            await Task.WhenAll(pending).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException)
        {
            throw new PluginUnavailableException($"Redis at {Endpoint}: {ex.Message}", ex);
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync() => await _connection.DisposeAsync().ConfigureAwait(false);
}
