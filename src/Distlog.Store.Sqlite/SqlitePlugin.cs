using System.Text;
using Distlog.Plugins;
using Distlog.Query;
using Microsoft.Data.Sqlite;

namespace Distlog.Store.Sqlite;

/// <summary>
/// <c>type: sqlite</c>, distlogd's embedded default store: every record in one SQLite file (WAL, one transaction
/// per batch), indexed for the query model and full-text searchable, trimmed by age and size with a longer life
/// for the records a <c>long_retention</c> rule chooses. <see cref="Store"/> reads it while it writes.
/// </summary>
/// <remarks>
/// <para>Settings: <c>path</c> (default <c>distlog.db</c>), <c>max_age</c> (default 7d, 0 = no limit),
/// <c>max_size</c> (default 1G, 0 = no limit), <c>retention_interval</c> (default 1m).</para>
/// <para>Threads: the daemon's worker calls <see cref="HandleAsync"/>; a timer runs retention; both write through
/// one connection, taken in turn.</para>
/// </remarks>
public sealed class SqlitePlugin : IDistlogPlugin, IRecordStoreProvider
{
    private const int RetentionBusySeconds = 3;

    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _insert;
    private readonly SemaphoreSlim _write = new(1, 1);
    private readonly Action<string> _report;
    private readonly LongRetention? _longRetention;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _retention;
    private readonly TimeProvider _time;

    /// <summary>Opens (or creates) the store named by <paramref name="settings"/>.</summary>
    /// <param name="settings">The plugin's YAML entry.</param>
    /// <param name="longRetention">Records kept longer, or null.</param>
    /// <param name="time">The clock retention reads; the system clock when null.</param>
    /// <exception cref="PluginConfigurationException">A setting is invalid or the file cannot be opened.</exception>
    public SqlitePlugin(PluginSettings settings, LongRetention? longRetention = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Path = System.IO.Path.GetFullPath(settings.GetString("path") ?? "distlog.db");
        MaxAge = settings.GetDuration("max_age", TimeSpan.FromDays(7));
        MaxSize = settings.GetInt64("max_size", 1024L * 1024 * 1024);
        var interval = settings.GetDuration("retention_interval", TimeSpan.FromMinutes(1));
        _longRetention = longRetention;
        _report = settings.Report;
        _time = time ?? TimeProvider.System;
        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
            _connection = SqliteSchema.OpenForWriting(Path);
        }
        catch (Exception ex) when (ex is SqliteException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            throw settings.Error("path", $"cannot open the SQLite store '{Path}': {ex.Message}");
        }

        _insert = _connection.CreateCommand();
        _insert.CommandText = SqliteSchema.Insert;
        foreach (string name in (string[])["$created", "$received", "$level", "$logger", "$system", "$hostname", "$service", "$message", "$root_id", "$scope_id", "$seq", "$keep", "$body", "$delivery"])
        {
            _insert.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        _insert.Prepare();
        Store = new SqliteRecordStore(Path);
        _retention = interval > TimeSpan.Zero ? Task.Run(() => RetainLoopAsync(interval)) : Task.CompletedTask;
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <inheritdoc/>
    public string? Target => Path;

    /// <summary>Records older than this are deleted (zero: kept regardless of age).</summary>
    public TimeSpan MaxAge { get; }

    /// <summary>The most bytes the records may fill before the oldest are deleted (zero: no limit).</summary>
    public long MaxSize { get; }

    /// <summary>Reads this store.</summary>
    public IRecordStore Store { get; }

    /// <inheritdoc/>
    public async Task HandleAsync(IReadOnlyList<ReceivedRecord> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        await _write.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var transaction = _connection.BeginTransaction();
            _insert.Transaction = transaction;
            var p = _insert.Parameters;
            foreach (var received in batch)
            {
                // The columns come from the summary the daemon scanned and the message alone: the record is not decoded.
                var r = received.Summary;
                var key = r.Context?.ParsedKey;
                p[0].Value = r.Created;
                p[1].Value = received.ReceivedAt.ToUnixTimeMilliseconds() / 1000.0;
                p[2].Value = r.LevelNo;
                p[3].Value = (object?)r.Name ?? DBNull.Value;
                p[4].Value = received.System.ToString();
                p[5].Value = (object?)r.Hostname ?? DBNull.Value;
                p[6].Value = (object?)r.Service ?? DBNull.Value;
                p[7].Value = (object?)received.GetMessage() ?? DBNull.Value;
                p[8].Value = (object?)key?.RootId ?? DBNull.Value;
                p[9].Value = (object?)key?.ScopeId ?? DBNull.Value;
                p[10].Value = key is { } k ? k.Seq : DBNull.Value;
                p[11].Value = _longRetention?.Match(received) == true ? 1 : 0;
                p[12].Value = Encoding.UTF8.GetString(received.GetJsonBody().Span);
                p[13].Value = (object?)received.DeliveryId ?? DBNull.Value; // a record journaled again after a crash is stored once

                _insert.ExecuteNonQuery();
            }

            transaction.Commit();
        }
        finally
        {
            _insert.Transaction = null;
            _write.Release();
        }
    }

    /// <summary>Deletes what the retention settings say is too old or too much; returns how many records went.</summary>
    internal async Task<long> RunRetentionAsync(CancellationToken cancellationToken = default)
    {
        double now = _time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;
        long deleted = 0;
        if (MaxAge > TimeSpan.Zero)
        {
            deleted += await DeleteAsync("keep = 0 AND created < $cut", now - MaxAge.TotalSeconds, cancellationToken).ConfigureAwait(false);
        }

        if (_longRetention is { } keep && keep.MaxAge > TimeSpan.Zero)
        {
            deleted += await DeleteAsync("keep = 1 AND created < $cut", now - keep.MaxAge.TotalSeconds, cancellationToken).ConfigureAwait(false);
        }

        if (MaxSize > 0)
        {
            // Ordinary records go first, oldest first; kept ones only when they alone are over the size. Each
            // round deletes the share of rows by which the store is too big (at most 5000), then measures again.
            while (await LockedAsync(UsedBytes, cancellationToken).ConfigureAwait(false) is var used && used > MaxSize)
            {
                long rows = await LockedAsync(CountRows, cancellationToken).ConfigureAwait(false);
                long share = Math.Clamp((long)Math.Ceiling(rows * (double)(used - MaxSize) / used), 1, 5000);
                long n = await DeleteAsync($"id IN (SELECT id FROM records ORDER BY keep, created LIMIT {share})", 0, cancellationToken).ConfigureAwait(false);
                deleted += n;
                if (n == 0)
                {
                    break;
                }
            }
        }

        if (deleted > 0)
        {
            await LockedAsync(() => { SqliteSchema.Execute(_connection, "PRAGMA wal_checkpoint(PASSIVE);"); return 0; }, cancellationToken).ConfigureAwait(false);
        }

        return deleted;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _retention.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        await _write.WaitAsync().ConfigureAwait(false);
        _insert.Dispose();
        SqliteSchema.Execute(_connection, "PRAGMA wal_checkpoint(TRUNCATE);");
        await _connection.DisposeAsync().ConfigureAwait(false);
        _write.Dispose();
        _stop.Dispose();
    }

    /// <summary>Runs <paramref name="work"/> on the write connection, which one caller uses at a time.</summary>
    private async Task<T> LockedAsync<T>(Func<T> work, CancellationToken cancellationToken)
    {
        await _write.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return work();
        }
        finally
        {
            _write.Release();
        }
    }

    private long CountRows()
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM records";
        return (long)command.ExecuteScalar()!;
    }

    private long UsedBytes()
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT (page_count - freelist_count) * page_size FROM pragma_page_count, pragma_freelist_count, pragma_page_size";
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>Deletes in chunks, so the daemon's writes go on between them.</summary>
    private async Task<long> DeleteAsync(string where, double cut, CancellationToken cancellationToken)
    {
        long total = 0;
        while (true)
        {
            int n = await LockedAsync(() =>
            {
                using var command = _connection.CreateCommand();
                command.CommandText = where.StartsWith("id IN", StringComparison.Ordinal)
                    ? $"DELETE FROM records WHERE {where}"
                    : $"DELETE FROM records WHERE id IN (SELECT id FROM records WHERE {where} LIMIT 5000)";
                command.Parameters.AddWithValue("$cut", cut);

                // Retention gives way to another writer after a few seconds (the next run tries again) rather than
                // holding the connection, and the inserts behind it, for the default 30.
                command.CommandTimeout = RetentionBusySeconds;
                return command.ExecuteNonQuery();
            }, cancellationToken).ConfigureAwait(false);

            total += n;
            if (n < 5000 || where.StartsWith("id IN", StringComparison.Ordinal))
            {
                return total;
            }
        }
    }

    private async Task RetainLoopAsync(TimeSpan interval)
    {
        using var timer = new PeriodicTimer(interval, _time);
        while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
        {
            await TryRetentionAsync(_stop.Token).ConfigureAwait(false);
        }
    }

    /// <summary>One run of retention on the timer: a failure (a busy or full disk) is reported, and the next run
    /// tries again; records are never lost by retention failing.</summary>
    /// <returns>Whether it ran.</returns>
    internal async Task<bool> TryRetentionAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await RunRetentionAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (SqliteException ex)
        {
            _report($"retention of '{Path}' failed ({ex.Message}); the store may grow past its limits until a later run succeeds");
            return false;
        }
    }
}
