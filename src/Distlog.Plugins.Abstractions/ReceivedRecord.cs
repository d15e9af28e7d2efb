using Distlog.Protocol;

namespace Distlog.Plugins;

/// <summary>A record as the daemon received it.</summary>
/// <param name="System">The topic's system byte: <c>P</c>, <c>S</c> or <c>T</c>.</param>
/// <param name="Record">The decoded record.</param>
/// <param name="ReceivedAt">When the daemon received it.</param>
public sealed record ReceivedRecord(char System, LogRecord Record, DateTimeOffset ReceivedAt)
{
    /// <summary>The record as it arrived, in <see cref="Encoding"/> (empty when the record was built, not received).
    /// A plugin that stores the same encoding may write these bytes instead of encoding <see cref="Record"/> again.</summary>
    public ReadOnlyMemory<byte> Body { get; init; }

    /// <summary>The topic's encoding byte of <see cref="Body"/> (<see cref="Topic.EncodingJson"/>, …); 0 when there is no body.</summary>
    public byte Encoding { get; init; }
}
