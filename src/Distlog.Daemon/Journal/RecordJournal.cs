using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;

namespace Distlog.Daemon.Journal;

/// <summary>
/// distlogd's journal: every acknowledged message, as received, appended to segment files before it is
/// acknowledged, so that what was acknowledged survives a crash and is handed to the plugins again from their
/// cursors when distlogd starts.
/// </summary>
/// <remarks>
/// <para>A segment is <c>journal-NNNNNNNN.seg</c>; an entry is <c>[length u32][crc32 u32][payload]</c> (little
/// endian), the payload <c>[frame count u8]([frame length u32][frame])…</c>. A position is
/// <c>segment × 2^40 + offset</c>: positions grow with every entry, across segments.</para>
/// <para>Owned by the receiving thread (appends, flushes); <see cref="Replay"/> runs before it starts.</para>
/// </remarks>
internal sealed class RecordJournal : IDisposable
{
    /// <summary>Positions per segment: a segment never grows past this many bytes.</summary>
    public const long SegmentSpan = 1L << 40;

    private const int HeaderBytes = 8;
    private const int MaxEntryBytes = 256 * 1024 * 1024;
    private readonly string _folder;
    private readonly long _segmentBytes;
    private readonly Crc32 _crc = new();
    private FileStream? _file;
    private Microsoft.Win32.SafeHandles.SafeFileHandle? _handle; // the same file, for another thread to force it to disk
    private long _segment;
    private long _offset;
    private bool _replayed;
    private long _flushedOffset; // where the entries handed to the kernel end in the current segment
    private long _flushedEnd; // written by the appending thread, read by plugin workers catching up
    private long _sizeBytes;  // appends add (receiving thread), deletions take away (cursor timer): Interlocked

    /// <param name="folder">Where the segments are (made when missing).</param>
    /// <param name="segmentBytes">The size at which a new segment starts.</param>
    public RecordJournal(string folder, long segmentBytes = 64L * 1024 * 1024)
    {
        _folder = folder;
        _segmentBytes = segmentBytes;
        Directory.CreateDirectory(folder);
    }

    /// <summary>Where the next entry goes.</summary>
    public long EndPosition => (_segment * SegmentSpan) + _offset;

    /// <summary>Where the entries handed to the kernel end: <see cref="Read"/> reads up to here. Any thread.</summary>
    public long FlushedEnd => Volatile.Read(ref _flushedEnd);

    /// <summary>A handle on the segment being written, for <see cref="RandomAccess.FlushToDisk"/> on another thread
    /// (which forces the file's data to disk whichever handle wrote it); disposed when the segment is left, after
    /// it was forced to disk.</summary>
    public Microsoft.Win32.SafeHandles.SafeFileHandle Handle => _handle ?? throw new InvalidOperationException("the journal is not open");

    /// <summary>Bytes in the journal's segments now. Any thread.</summary>
    public long SizeBytes => Interlocked.Read(ref _sizeBytes);

    /// <summary>How old the journal's oldest entry is, near enough: how long ago its oldest segment was made (zero when
    /// the journal is empty). Any thread.</summary>
    public TimeSpan Age => Segments() is [var (_, oldest), ..] && SizeBytes > 0
        ? DateTime.UtcNow - Min(File.GetCreationTimeUtc(oldest), File.GetLastWriteTimeUtc(oldest))
        : TimeSpan.Zero;

    private static DateTime Min(DateTime a, DateTime b) => a < b ? a : b;

    /// <summary>
    /// Reads every entry kept, in order, and opens the last segment for appending. A torn or damaged tail (a crash
    /// in the middle of a write) is cut back to the last whole entry.
    /// </summary>
    /// <param name="entry">Called with each entry's position and frames.</param>
    /// <returns>A line for the log when a tail was cut, else null.</returns>
    public string? Replay(Action<long, IReadOnlyList<ReadOnlyMemory<byte>>> entry)
    {
        string? problem = null;
        var segments = Segments();
        for (int i = 0; i < segments.Count; i++)
        {
            var (number, path) = segments[i];
            byte[] bytes = File.ReadAllBytes(path);
            long offset = 0;
            while (offset < bytes.Length)
            {
                if (!TryRead(bytes, offset, out int length, out var frames))
                {
                    problem = string.Create(CultureInfo.InvariantCulture,
                        $"journal {path}: the entry at byte {offset} is torn or damaged (a crash while writing it); the {bytes.Length - offset} bytes from there were never acknowledged and are cut");
                    using (var cut = new FileStream(path, FileMode.Open, FileAccess.Write))
                    {
                        cut.SetLength(offset);
                    }

                    break;
                }

                long position = (number * SegmentSpan) + offset;
                entry(position, frames);
                offset += HeaderBytes + length;
            }

            if (i == segments.Count - 1)
            {
                _segment = number;
                _offset = offset;
            }
        }

        OpenSegment(_segment, _offset);
        _replayed = true;
        Volatile.Write(ref _flushedEnd, EndPosition);
        Interlocked.Exchange(ref _sizeBytes, Segments().Sum(s => new FileInfo(s.Path).Length));
        return problem;
    }

    /// <summary>Appends one message; its position. Written to the file's buffer; <see cref="Flush"/> makes it durable.</summary>
    /// <remarks><see cref="Replay"/> first: it opens the journal where it ends.</remarks>
    /// <exception cref="IOException">The disk is full or failing: every entry since the last flush is forgotten.</exception>
    public long Append(IReadOnlyList<ReadOnlyMemory<byte>> frames)
    {
        if (!_replayed)
        {
            throw new InvalidOperationException("the journal is appended to only after Replay");
        }

        if (_file is null)
        {
            Reopen(); // a rewind could not open the segment again: try once more
        }

        int length = 1 + frames.Sum(f => 4 + f.Length);
        if (_offset > 0 && _offset + HeaderBytes + length > _segmentBytes)
        {
            Flush(toDisk: true);
            _file!.Dispose();
            _file = null;
            OpenSegment(_segment + 1, 0);
            Volatile.Write(ref _flushedEnd, EndPosition);
        }

        // The checksum is taken over the payload as it is written: no copy of the message is made for it.
        Span<byte> number = stackalloc byte[4];
        Span<byte> header = stackalloc byte[HeaderBytes];
        _crc.Reset();
        number[0] = (byte)frames.Count;
        _crc.Append(number[..1]);
        foreach (var frame in frames)
        {
            BinaryPrimitives.WriteInt32LittleEndian(number, frame.Length);
            _crc.Append(number);
            _crc.Append(frame.Span);
        }

        BinaryPrimitives.WriteInt32LittleEndian(header, length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], _crc.GetCurrentHashAsUInt32());
        long position = EndPosition;
        try
        {
            WriteEntry(header, frames);
        }
        catch (IOException)
        {
            Rewind();
            throw;
        }

        _offset += HeaderBytes + length;
        Interlocked.Add(ref _sizeBytes, HeaderBytes + length);
        return position;
    }

    private void WriteEntry(ReadOnlySpan<byte> header, IReadOnlyList<ReadOnlyMemory<byte>> frames)
    {
        Span<byte> number = stackalloc byte[4];
        _file!.Write(header);
        number[0] = (byte)frames.Count;
        _file.Write(number[..1]);
        foreach (var frame in frames)
        {
            BinaryPrimitives.WriteInt32LittleEndian(number, frame.Length);
            _file.Write(number);
            _file.Write(frame.Span);
        }
    }

    /// <summary>Hands what was appended to the kernel, and with <paramref name="toDisk"/> waits until it is on disk.</summary>
    /// <exception cref="IOException">The disk is full or failing: every entry since the last flush is forgotten, and
    /// none of them may be acknowledged.</exception>
    public void Flush(bool toDisk)
    {
        try
        {
            _file?.Flush(flushToDisk: toDisk);
        }
        catch (IOException)
        {
            Rewind();
            throw;
        }

        _flushedOffset = _offset;
        Volatile.Write(ref _flushedEnd, EndPosition);
    }

    /// <summary>
    /// After a failed write (disk full, say): forgets every entry appended since the last <see cref="Flush"/> — none
    /// of them was acknowledged, and their senders send them again — so that no half-written entry, nor a gap of
    /// bytes the buffer never wrote, stays in front of the next one. What was flushed before is left as it was.
    /// </summary>
    private void Rewind()
    {
        try
        {
            _file?.Dispose(); // may try to write the buffer once more, and fail again
        }
        catch (IOException)
        {
        }

        _file = null;
        Interlocked.Add(ref _sizeBytes, _flushedOffset - _offset);
        _offset = _flushedOffset;
        try
        {
            Reopen();
        }
        catch (IOException)
        {
            // _file stays null: the next append opens it again.
        }
    }

    private void Reopen()
    {
        OpenSegment(_segment, _flushedOffset);
        _file!.SetLength(_flushedOffset); // shrinking needs no space
    }

    /// <summary>
    /// Reads at most <paramref name="maxEntries"/> entries from <paramref name="from"/> up to <see cref="FlushedEnd"/>
    /// (for a plugin that fell behind); the position after the last one read. Any thread, beside the appending one.
    /// </summary>
    public long Read(long from, int maxEntries, Action<long, IReadOnlyList<ReadOnlyMemory<byte>>> entry)
    {
        long end = FlushedEnd;
        long position = from;
        int read = 0;
        while (position < end && read < maxEntries)
        {
            long segment = position / SegmentSpan;
            long offset = position % SegmentSpan;
            string path = Path.Combine(_folder, Name(segment));
            long limit = segment == end / SegmentSpan ? end % SegmentSpan : File.Exists(path) ? new FileInfo(path).Length : 0;
            if (offset >= limit)
            {
                position = (segment + 1) * SegmentSpan; // the rest of the journal is in the next segment
                continue;
            }

            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            byte[] bytes = new byte[Math.Min(limit - offset, 16L * 1024 * 1024)];
            file.Position = offset;
            file.ReadExactly(bytes);
            if (bytes.Length >= HeaderBytes && BinaryPrimitives.ReadInt32LittleEndian(bytes) is int first && HeaderBytes + first > bytes.Length && first <= MaxEntryBytes)
            {
                bytes = new byte[HeaderBytes + first]; // one entry larger than the chunk: read just it
                file.Position = offset;
                file.ReadExactly(bytes);
            }

            long at = 0;
            while (at < bytes.Length && read < maxEntries && TryRead(bytes, at, out int length, out var frames))
            {
                entry(position, frames);
                at += HeaderBytes + length;
                position += HeaderBytes + length;
                read++;
            }

            if (at == 0)
            {
                throw new IOException($"journal {path}: the entry at byte {offset} cannot be read");
            }
        }

        return position;
    }

    /// <summary>Deletes the segments that end at or before <paramref name="position"/> (every plugin has passed them),
    /// and those last written longer than <paramref name="maxAge"/> ago whoever has not passed them; never the one
    /// being written. Any thread but the appending one.</summary>
    /// <param name="position">The lowest cursor of the plugins.</param>
    /// <param name="maxAge">How long a segment is kept for a plugin that has not passed it.</param>
    /// <param name="expiring">Called with the positions [start, end) that are about to be deleted unpassed.</param>
    public void DeleteBefore(long position, TimeSpan maxAge, Action<long, long> expiring)
    {
        long current = Volatile.Read(ref _segment);
        foreach (var (number, path) in Segments())
        {
            if (number >= current)
            {
                break;
            }

            bool passed = number < position / SegmentSpan;
            if (!passed && DateTime.UtcNow - File.GetLastWriteTimeUtc(path) <= maxAge)
            {
                break; // younger segments follow: keep them all
            }

            long length = new FileInfo(path).Length;
            if (!passed)
            {
                expiring(Math.Max(position, number * SegmentSpan), (number * SegmentSpan) + length);
            }

            File.Delete(path);
            Interlocked.Add(ref _sizeBytes, -length);
        }
    }

    public void Dispose()
    {
        try
        {
            Flush(toDisk: true); // what was never flushed was never acknowledged: a failure here loses nothing promised
        }
        catch (IOException)
        {
        }

        _file?.Dispose();
        _file = null;
        _handle?.Dispose();
        _handle = null;
    }

    private void OpenSegment(long number, long offset)
    {
        string path = Path.Combine(_folder, Name(number));
        var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite, 1024 * 1024);
        file.Position = offset;
        _file = file;
        if (_handle is null || _segment != number)
        {
            // Kept across a rewind of the same segment: a sync waiting on it must still reach the disk.
            _handle?.Dispose();
            _handle = File.OpenHandle(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
        }

        Volatile.Write(ref _segment, number);
        _offset = offset;
        _flushedOffset = offset;
    }

    private static string Name(long number) => string.Create(CultureInfo.InvariantCulture, $"journal-{number:D8}.seg");

    private List<(long Number, string Path)> Segments() =>
        Directory.EnumerateFiles(_folder, "journal-*.seg")
            .Select(p => (Number: long.TryParse(Path.GetFileName(p)[8..^4], NumberStyles.None, CultureInfo.InvariantCulture, out long n) ? n : -1, Path: p))
            .Where(s => s.Number >= 0)
            .OrderBy(s => s.Number)
            .ToList();

    private static bool TryRead(byte[] bytes, long offset, out int length, out List<ReadOnlyMemory<byte>> frames)
    {
        frames = [];
        length = 0;
        if (bytes.Length - offset < HeaderBytes)
        {
            return false;
        }

        length = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan((int)offset));
        if (length < 1 || length > MaxEntryBytes || bytes.Length - offset - HeaderBytes < length)
        {
            return false;
        }

        var payload = new ReadOnlyMemory<byte>(bytes, (int)offset + HeaderBytes, length);
        if (Crc32.HashToUInt32(payload.Span) != BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan((int)offset + 4)))
        {
            return false;
        }

        int count = payload.Span[0];
        int at = 1;
        for (int i = 0; i < count; i++)
        {
            if (length - at < 4)
            {
                return false;
            }

            int frame = BinaryPrimitives.ReadInt32LittleEndian(payload.Span[at..]);
            if (frame < 0 || length - at - 4 < frame)
            {
                return false;
            }

            frames.Add(payload.Slice(at + 4, frame));
            at += 4 + frame;
        }

        return at == length;
    }
}
