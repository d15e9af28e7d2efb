using Distlog.Protocol;

namespace Distlog.Plugins;

/// <summary>A record as the daemon received it.</summary>
/// <param name="System">The topic's system byte: <c>P</c>, <c>S</c> or <c>T</c>.</param>
/// <param name="Record">The decoded record.</param>
/// <param name="ReceivedAt">When the daemon received it.</param>
public sealed record ReceivedRecord(char System, LogRecord Record, DateTimeOffset ReceivedAt);
