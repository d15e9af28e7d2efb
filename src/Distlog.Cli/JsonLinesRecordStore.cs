using System.Globalization;
using System.Text;
using Distlog.Protocol;
using Distlog.Query;

namespace Distlog.Cli;

/// <summary>
/// The query model over a JSON-lines file as the file plugin writes it (one record a line, the seed's shape), for
/// working offline. The file is read whole on every call; lines that are not records are skipped and counted.
/// </summary>
internal sealed class JsonLinesRecordStore(string path) : IRecordStore
{
    public string Path { get; } = path;

    /// <summary>Lines that were not valid records, from the last read.</summary>
    public int Skipped { get; private set; }

    public Task<RecordPage> QueryAsync(RecordQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        int skip = query.Cursor is { } cursor
            ? int.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : throw new ArgumentException($"'{cursor}' is not a cursor of a file", nameof(query))
            : 0;

        // Newest first, as every store answers: by creation time, then by place in the file.
        var matching = Read().Where(r => query.Matches(r.System, r.Record))
            .OrderByDescending(r => r.Record.Created).ThenByDescending(r => int.Parse(r.Id, CultureInfo.InvariantCulture)).ToList();
        var page = matching.Skip(skip).Take(query.EffectiveLimit).ToList();
        int next = skip + page.Count;
        return Task.FromResult(new RecordPage(page, next < matching.Count ? next.ToString(CultureInfo.InvariantCulture) : null));
    }

    public Task<(IReadOnlyList<StoredRecord> Records, bool Truncated)> ReadTaskAsync(string rootId, int limit, CancellationToken cancellationToken = default)
    {
        var records = Read().Where(r => r.Record.Context?.ParsedKey?.RootId == rootId).ToList();
        return Task.FromResult<(IReadOnlyList<StoredRecord>, bool)>(records.Count > limit ? (records.GetRange(0, limit), true) : (records, false));
    }

    private List<StoredRecord> Read()
    {
        var records = new List<StoredRecord>();
        int skipped = 0;
        using var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        int line = 0;
        while (reader.ReadLine() is { } text)
        {
            line++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            try
            {
                // The file plugin writes the record only; its system is not in the line.
                records.Add(new StoredRecord(line.ToString(CultureInfo.InvariantCulture), 'P', JsonRecordCodec.Default.Decode(Encoding.UTF8.GetBytes(text))));
            }
            catch (RecordFormatException)
            {
                skipped++;
            }
        }

        Skipped = skipped;
        return records;
    }
}
