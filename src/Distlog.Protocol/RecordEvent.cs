namespace Distlog.Protocol;

/// <summary>A MEL <c>EventId</c> on the wire.</summary>
/// <param name="Id">The numeric id.</param>
/// <param name="Name">The name, if any.</param>
public sealed record RecordEvent(long Id, string? Name);
