using Distlog.Protocol;

namespace Distlog.Query;

/// <summary>A record as a store returns it.</summary>
/// <param name="Id">The store's id of the record (a row id, a stream entry id, an ObjectId), for asking for it again.</param>
/// <param name="System">The system of the topic it came with: P, S or T.</param>
/// <param name="Record">The record, decoded.</param>
public sealed record StoredRecord(string Id, char System, LogRecord Record);
