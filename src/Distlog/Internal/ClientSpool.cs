using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;

namespace Distlog.Internal;

/// <summary>
/// The client's spool (<see cref="DistlogOptions.Spool"/>): the log call itself encodes each record and writes it to
/// a file of a private directory before queuing it — a write into the kernel's page cache, which a killed process does
/// not lose — and the spool forgets it once distlogd has acknowledged it. A provider opened later on the same spool
/// (the service's next run) sends first what the last one had not had acknowledged.
/// </summary>
/// <remarks>
/// <para>Files: <c>spool-NNNNNNNN.dat</c>, entries <c>[length u32][crc32 u32][spool sequence u64][record]</c> (little
/// endian; the checksum covers sequence and record); <c>acked</c>, the sequence below which every record was
/// acknowledged; <c>lock</c>, held while a provider uses the spool. A torn entry at a file's end (a kill in the middle
/// of a write) is cut when the spool opens.</para>
/// <para>Threads: logging threads <see cref="Append"/>, the sender <see cref="Acknowledge"/>s and
/// <see cref="Forget"/>s; one lock guards the state.</para>
/// </remarks>
internal sealed class ClientSpool : IDisposable
{
    private const int HeaderBytes = 16;
    private const long SegmentBytes = 4L * 1024 * 1024;
    private static readonly TimeSpan s_keepAckedEvery = TimeSpan.FromMilliseconds(100);

    private readonly object _gate = new();
    private readonly string _folder;
    private readonly long _maxBytes;
    private readonly Func<PendingRecord, ByteBuffer, bool> _encode;
    private readonly FileStream _lock;
    private readonly ByteBuffer _scratch = new(4096);
    private readonly SortedSet<long> _outstanding = []; // spooled, not yet acknowledged nor forgotten
    private readonly List<(long Number, long LastSequence, long Bytes)> _segments = []; // all but the current
    private FileStream? _file;
    private long _segment;
    private long _segmentLast = -1;
    private long _next;
    private long _bytes;
    private long _acked;       // every sequence below it is done with (kept in the acked file)
    private long _ackedKeptAt; // Environment.TickCount64 when _acked was last written

    private ClientSpool(string folder, long maxBytes, Func<PendingRecord, ByteBuffer, bool> encode, FileStream lockFile)
    {
        _folder = folder;
        _maxBytes = maxBytes;
        _encode = encode;
        _lock = lockFile;
    }

    /// <summary>Records spooled now and not yet acknowledged.</summary>
    public int Outstanding
    {
        get
        {
            lock (_gate)
            {
                return _outstanding.Count;
            }
        }
    }

    /// <summary>
    /// Opens (or makes, mode 0700) the spool in <paramref name="folder"/> and reads back what an earlier provider left
    /// unacknowledged there.
    /// </summary>
    /// <param name="folder">The spool's directory.</param>
    /// <param name="maxBytes">The most bytes its files hold: a record that does not fit is not spooled.</param>
    /// <param name="encode">Encodes a record into a buffer (under the spool's lock); false when it cannot be.</param>
    /// <param name="recovered">The records left by an earlier provider, oldest first.</param>
    /// <exception cref="IOException">Another provider holds the spool, or it cannot be made.</exception>
    public static ClientSpool Open(string folder, long maxBytes, Func<PendingRecord, ByteBuffer, bool> encode, out List<SpooledRecord> recovered)
    {
        folder = Path.GetFullPath(folder);
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
        }
        else
        {
            Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        FileStream lockFile;
        try
        {
            lockFile = new FileStream(Path.Combine(folder, "lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new IOException($"the spool {folder} is in use by another process ({ex.Message})", ex);
        }

        var spool = new ClientSpool(folder, maxBytes, encode, lockFile);
        try
        {
            recovered = spool.Recover();
            spool.OpenSegment(spool._segment + 1);
            return spool;
        }
        catch
        {
            spool.Dispose();
            throw;
        }
    }

    /// <summary>Encodes the record into <see cref="PendingRecord.Encoded"/> and writes it to the spool, giving it its
    /// <see cref="PendingRecord.SpoolSequence"/>; false when it is not spooled (the spool is full, or the write failed),
    /// and it goes on unspooled.</summary>
    public bool Append(PendingRecord entry)
    {
        lock (_gate)
        {
            _scratch.Clear();
            _scratch.GetSpan(HeaderBytes);
            _scratch.Advance(HeaderBytes);
            if (!_encode(entry, _scratch))
            {
                return false;
            }

            int length = _scratch.Length;
            if (_file is null || _bytes + length > _maxBytes)
            {
                entry.Encoded = _scratch.Array.AsSpan(HeaderBytes, length - HeaderBytes).ToArray();
                return false;
            }

            long sequence = _next;
            var bytes = _scratch.Array.AsSpan(0, length);
            BinaryPrimitives.WriteInt64LittleEndian(bytes[8..], sequence);
            BinaryPrimitives.WriteInt32LittleEndian(bytes, length - 8);
            BinaryPrimitives.WriteUInt32LittleEndian(bytes[4..], Crc32.HashToUInt32(bytes[8..]));
            try
            {
                if (_file.Position + length > SegmentBytes && _file.Position > 0)
                {
                    _segments.Add((_segment, _segmentLast, _file.Position));
                    _file.Dispose();
                    OpenSegment(_segment + 1);
                }

                _file!.Write(bytes); // one write: in the kernel's hands when this returns
            }
            catch (IOException)
            {
                entry.Encoded = bytes[HeaderBytes..].ToArray();
                return false;
            }

            _next++;
            _segmentLast = sequence;
            _bytes += length;
            _outstanding.Add(sequence);
            entry.Encoded = bytes[HeaderBytes..].ToArray();
            entry.SpoolSequence = sequence;
            return true;
        }
    }

    /// <summary>Forgets records distlogd acknowledged.</summary>
    public void Acknowledge(long[] sequences) => Settle(sequences);

    /// <summary>Forgets a record counted as dropped (the queue was full): it is not sent by a later run either.</summary>
    public void Forget(long sequence) => Settle([sequence]);

    public void Dispose()
    {
        lock (_gate)
        {
            try
            {
                KeepAcked();
            }
            catch (IOException)
            {
                // The next run sends again what this one had acknowledged since the last write: duplicates, not losses.
            }

            _file?.Dispose();
            _file = null;
        }

        _lock.Dispose();
    }

    private void Settle(long[] sequences)
    {
        lock (_gate)
        {
            foreach (long sequence in sequences)
            {
                _outstanding.Remove(sequence);
            }

            long acked = _outstanding.Count > 0 ? _outstanding.Min : _next;
            if (acked == _acked || Environment.TickCount64 - _ackedKeptAt < s_keepAckedEvery.TotalMilliseconds)
            {
                return;
            }

            try
            {
                KeepAcked();
            }
            catch (IOException)
            {
                // Tried again with the next acknowledgement.
            }
        }
    }

    /// <summary>Writes where the acknowledged records end, and deletes the files holding only acknowledged ones.</summary>
    private void KeepAcked()
    {
        _acked = _outstanding.Count > 0 ? _outstanding.Min : _next;
        _ackedKeptAt = Environment.TickCount64;
        string path = Path.Combine(_folder, "acked");
        File.WriteAllText(path + ".tmp", _acked.ToString(CultureInfo.InvariantCulture));
        File.Move(path + ".tmp", path, overwrite: true);
        while (_segments.Count > 0 && _segments[0].LastSequence < _acked)
        {
            File.Delete(Path.Combine(_folder, Name(_segments[0].Number)));
            _bytes -= _segments[0].Bytes;
            _segments.RemoveAt(0);
        }
    }

    /// <summary>Reads the files an earlier provider left: what it had not had acknowledged comes back.</summary>
    private List<SpooledRecord> Recover()
    {
        string ackedPath = Path.Combine(_folder, "acked");
        _acked = File.Exists(ackedPath) && long.TryParse(File.ReadAllText(ackedPath).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long acked) ? acked : 0;
        var recovered = new List<SpooledRecord>();
        var files = Directory.EnumerateFiles(_folder, "spool-*.dat")
            .Select(p => (Path: p, Number: long.TryParse(Path.GetFileName(p)[6..^4], NumberStyles.None, CultureInfo.InvariantCulture, out long n) ? n : -1))
            .Where(f => f.Number >= 0)
            .OrderBy(f => f.Number)
            .ToList();
        foreach (var (path, number) in files)
        {
            byte[] bytes = File.ReadAllBytes(path);
            int at = 0;
            long last = -1;
            while (bytes.Length - at >= HeaderBytes)
            {
                int length = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(at));
                if (length < 8 || length > bytes.Length - at - 8 ||
                    Crc32.HashToUInt32(bytes.AsSpan(at + 8, length)) != BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 4)))
                {
                    break;
                }

                long sequence = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(at + 8));
                if (sequence >= _acked)
                {
                    recovered.Add(new SpooledRecord(bytes.AsSpan(at + HeaderBytes, length - 8).ToArray(), sequence));
                    _outstanding.Add(sequence);
                }

                last = Math.Max(last, sequence);
                _next = Math.Max(_next, sequence + 1);
                at += length + 8;
            }

            if (at < bytes.Length)
            {
                using var cut = new FileStream(path, FileMode.Open, FileAccess.Write);
                cut.SetLength(at); // a torn tail: never handed to the kernel whole, so never acknowledged either
            }

            _segment = number;
            _segments.Add((number, last, at));
            _bytes += at;
        }

        _next = Math.Max(_next, _acked);
        return recovered;
    }

    private void OpenSegment(long number)
    {
        _file = new FileStream(Path.Combine(_folder, Name(number)), FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 0);
        _segment = number;
        _segmentLast = -1;
    }

    private static string Name(long number) => string.Create(CultureInfo.InvariantCulture, $"spool-{number:D8}.dat");
}

/// <summary>A record read back from the spool: its encoding as it was sent, nothing to render.</summary>
internal sealed class SpooledRecord : PendingRecord
{
    public SpooledRecord(byte[] encoded, long sequence)
    {
        Encoded = encoded;
        SpoolSequence = sequence;
    }

    public override (string Message, string? Template) Render(List<KeyValuePair<string, object?>> args) =>
        throw new InvalidOperationException("a spooled record is sent as it was encoded");

    public override void Return()
    {
    }
}
