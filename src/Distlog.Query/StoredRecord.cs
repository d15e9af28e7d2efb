using Distlog.Protocol;

namespace Distlog.Query;

/// <summary>A record as a store returns it.</summary>
/// <remarks>A store may hand it over undecoded: its <see cref="Outline"/> then comes from the store's own columns, and
/// the body is decoded the first time <see cref="Record"/> is asked for. A tree of 100,000 records is built, and its
/// folded scopes summarised, from the outlines alone.</remarks>
public sealed class StoredRecord
{
    private Func<LogRecord>? _decode;
    private LogRecord? _record;

    /// <summary>A decoded record.</summary>
    /// <param name="Id">The store's id of the record (a row id, a stream entry id, an ObjectId), for asking for it again.</param>
    /// <param name="System">The system of the topic it came with: P, S or T.</param>
    /// <param name="Record">The record.</param>
    public StoredRecord(string Id, char System, LogRecord Record)
    {
        ArgumentNullException.ThrowIfNull(Record);
        this.Id = Id;
        this.System = System;
        _record = Record;
        Outline = RecordOutline.Of(Record);
    }

    /// <summary>A record decoded when it is first read.</summary>
    /// <param name="id">The store's id of the record.</param>
    /// <param name="system">The system of the topic it came with.</param>
    /// <param name="outline">What the store knows of it without decoding it; it must agree with the body.</param>
    /// <param name="decode">Decodes the body (once, on the first read of <see cref="Record"/>).</param>
    public StoredRecord(string id, char system, RecordOutline outline, Func<LogRecord> decode)
    {
        ArgumentNullException.ThrowIfNull(decode);
        Id = id;
        System = system;
        Outline = outline;
        _decode = decode;
    }

    /// <summary>The store's id of the record (a row id, a stream entry id, an ObjectId), for asking for it again.</summary>
    public string Id { get; }

    /// <summary>The system of the topic it came with: P, S or T.</summary>
    public char System { get; }

    /// <summary>What a task tree needs of the record.</summary>
    public RecordOutline Outline { get; }

    /// <summary>The record, decoded.</summary>
    public LogRecord Record
    {
        get
        {
            if (_record is null)
            {
                _record = _decode!();
                _decode = null;
            }

            return _record;
        }
    }
}

/// <summary>What a task tree needs of a record to place, count and colour it: the one list of those fields.</summary>
/// <param name="Key">Its task key.</param>
/// <param name="Created">When it was made.</param>
/// <param name="Level">Its level number.</param>
/// <param name="Hostname">Its host.</param>
/// <param name="Service">Its service as a tree shows it (<see cref="TaskScope.ServiceOf"/>); null when the store
/// cannot tell without decoding the record (a record of the original client, which sends no service).</param>
public readonly record struct RecordOutline(TaskKey? Key, double Created, int Level, string? Hostname, string? Service)
{
    /// <summary>The outline of a decoded record.</summary>
    public static RecordOutline Of(LogRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new(record.Context?.ParsedKey, record.Created, record.LevelNo, record.Hostname, TaskScope.ServiceOf(record));
    }
}
