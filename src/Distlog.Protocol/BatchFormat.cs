using System.Buffers.Binary;

namespace Distlog.Protocol;

/// <summary>
/// The body of a batch message (kind <c>B</c>): records one after another, each preceded by its length as a
/// 4-byte big-endian unsigned integer. Every record is in the topic's encoding.
/// </summary>
/// <remarks>Length prefixes let a reader keep every record before a damaged one and report the rest.</remarks>
internal static class BatchFormat
{
    /// <summary>Size of the length prefix.</summary>
    public const int PrefixLength = 4;

    /// <summary>Writes a record's length into the 4-byte slot reserved before it.</summary>
    public static void WriteLength(Span<byte> slot, int length) => BinaryPrimitives.WriteUInt32BigEndian(slot, checked((uint)length));

    /// <summary>Reads the next record of a batch body.</summary>
    /// <param name="body">The batch body.</param>
    /// <param name="offset">Where to read; advanced past the record.</param>
    /// <param name="record">The record's bytes.</param>
    /// <param name="error">Why the rest of the body cannot be read, when the result is <see langword="false"/> and
    /// <paramref name="offset"/> is short of the end.</param>
    /// <returns><see langword="true"/> when a record was read; <see langword="false"/> at the end or on damage.</returns>
    public static bool TryReadNext(ReadOnlyMemory<byte> body, ref int offset, out ReadOnlyMemory<byte> record, out string? error)
    {
        record = default;
        error = null;
        int remaining = body.Length - offset;
        if (remaining == 0)
        {
            return false;
        }

        if (remaining < PrefixLength)
        {
            error = $"batch ends inside a length prefix ({remaining} bytes left)";
            return false;
        }

        uint length = BinaryPrimitives.ReadUInt32BigEndian(body.Span.Slice(offset, PrefixLength));
        if (length > (uint)(remaining - PrefixLength))
        {
            error = $"batch record of {length} bytes overruns the body ({remaining - PrefixLength} bytes left)";
            return false;
        }

        record = body.Slice(offset + PrefixLength, (int)length);
        offset += PrefixLength + (int)length;
        return true;
    }
}
