namespace Distlog.Query;

/// <summary>One page of a <see cref="RecordQuery"/>'s answer, newest first.</summary>
/// <param name="Records">The records of this page.</param>
/// <param name="NextCursor">Give it as <see cref="RecordQuery.Cursor"/> for the next page; null when this was the last.</param>
public sealed record RecordPage(IReadOnlyList<StoredRecord> Records, string? NextCursor);
