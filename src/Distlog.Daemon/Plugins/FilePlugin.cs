using System.Buffers;
using Distlog.Plugins;
using Distlog.Protocol;

namespace Distlog.Daemon.Plugins;

/// <summary>
/// <c>type: file</c> — JSON lines, one record per line in the seed's record shape (a record received as one line
/// of JSON is written as it came; others are encoded), with size and time rotation
/// (<c>distlog.jsonl</c> → <c>distlog.jsonl.1</c> → …, keeping <c>keep</c> old files) and a flush policy: after
/// every batch (the default), or every <c>flush</c> interval. What was flushed survives a crash of the daemon.
/// </summary>
/// <remarks>Settings: <c>path</c> (required), <c>max_bytes</c> (default 100M; 0 = no size rotation),
/// <c>rotate_interval</c> (default none), <c>keep</c> (default 10), <c>flush</c> (<c>batch</c> or a duration).
/// Called by one worker at a time.</remarks>
internal sealed class FilePlugin : IDistlogPlugin
{
    private readonly string _path;
    private readonly long _maxBytes;
    private readonly TimeSpan _rotateInterval;
    private readonly int _keep;
    private readonly TimeSpan? _flushInterval;
    private readonly TimeProvider _time;
    private readonly ArrayBufferWriter<byte> _line = new(4096);
    private FileStream? _stream;

    // The open file's length, kept here: FileStream.Length asks the kernel (fstat) each time, twice a record.
    private long _length;
    private DateTimeOffset _openedAt;
    private DateTimeOffset _lastFlush;

    public FilePlugin(PluginSettings settings, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _path = Path.GetFullPath(settings.GetRequiredString("path"));
        _maxBytes = settings.GetInt64("max_bytes", 100L * 1024 * 1024);
        _rotateInterval = settings.GetDuration("rotate_interval", TimeSpan.Zero);
        _keep = (int)Math.Min(settings.GetInt64("keep", 10), 10_000);
        string flush = settings.GetString("flush", "batch")!;
        if (flush != "batch")
        {
            _flushInterval = PluginSettings.TryParseDuration(flush, out var interval)
                ? interval
                : throw settings.Error("flush", $"'flush' must be 'batch' or a duration such as 1s, got '{flush}'");
        }

        _time = time ?? TimeProvider.System;
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw settings.Error("path", $"cannot create the folder of '{_path}': {ex.Message}");
        }
    }

    public string FilePath => _path;

    public string? Target => _path;

    public Task HandleAsync(IReadOnlyList<ReceivedRecord> batch, CancellationToken cancellationToken)
    {
        var stream = OpenIfNeeded();
        foreach (var received in batch)
        {
            ReadOnlySpan<byte> line;
            if (received.Encoding == Topic.EncodingJson && !received.Body.IsEmpty && !received.Body.Span.Contains((byte)'\n'))
            {
                // Received as one line of JSON in the record's shape: stored as it came, never decoded.
                line = received.Body.Span;
            }
            else
            {
                _line.ResetWrittenCount();
                JsonRecordCodec.Default.Encode(received.Record, _line);
                line = _line.WrittenSpan;
            }

            if (_maxBytes > 0 && _length > 0 && _length + line.Length + 1 > _maxBytes)
            {
                stream = Rotate();
            }

            stream.Write(line);
            stream.WriteByte((byte)'\n');
            _length += line.Length + 1;
        }

        var now = _time.GetUtcNow();
        if (_flushInterval is null || now - _lastFlush >= _flushInterval)
        {
            stream.Flush();
            _lastFlush = now;
        }

        if (_rotateInterval > TimeSpan.Zero && now - _openedAt >= _rotateInterval)
        {
            Rotate();
        }

        return Task.CompletedTask;
    }

    public Task FlushAsync(CancellationToken cancellationToken)
    {
        _stream?.Flush(flushToDisk: true);
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        _stream?.Flush(flushToDisk: true);
        _stream?.Dispose();
        _stream = null;
        return ValueTask.CompletedTask;
    }

    private FileStream OpenIfNeeded()
    {
        if (_stream is not null)
        {
            return _stream;
        }

        _stream = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read, 64 * 1024);
        _length = _stream.Length;
        _openedAt = _time.GetUtcNow();
        return _stream;
    }

    private FileStream Rotate()
    {
        // Handed to the kernel, which keeps it through a crash of the daemon (as every flush does); not forced to
        // the disk, which stalled the worker for as long as the disk took to take the whole file.
        _stream?.Flush();
        _stream?.Dispose();
        _stream = null;
        if (_keep == 0)
        {
            File.Delete(_path);
        }
        else
        {
            File.Delete($"{_path}.{_keep}");
            for (int i = _keep - 1; i >= 1; i--)
            {
                if (File.Exists($"{_path}.{i}"))
                {
                    File.Move($"{_path}.{i}", $"{_path}.{i + 1}");
                }
            }

            if (File.Exists(_path))
            {
                File.Move(_path, $"{_path}.1");
            }
        }

        return OpenIfNeeded();
    }
}
