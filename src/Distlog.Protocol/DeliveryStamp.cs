using System.Buffers.Binary;
using System.Text;

namespace Distlog.Protocol;

/// <summary>
/// The third frame of an acknowledged message (docs/protocol.md, "Acknowledged delivery"): the sending client's
/// instance id (32 lowercase hex digits, the same as its session's identity) and the message's sequence number, 8
/// bytes big endian, counting from 1 per instance. distlogd acknowledges it on the session once the message is in its
/// journal, and drops a message it already has.
/// </summary>
internal readonly record struct DeliveryStamp(string Instance, long Sequence)
{
    /// <summary>The frame's length.</summary>
    public const int Length = 40;

    public byte[] ToArray()
    {
        byte[] frame = new byte[Length];
        Encoding.ASCII.GetBytes(Instance, frame);
        BinaryPrimitives.WriteInt64BigEndian(frame.AsSpan(32), Sequence);
        return frame;
    }

    /// <summary>Reads a stamp frame; false for anything else (another length, a bad instance or sequence).</summary>
    public static bool TryRead(ReadOnlySpan<byte> frame, out DeliveryStamp stamp)
    {
        stamp = default;
        if (frame.Length != Length)
        {
            return false;
        }

        foreach (byte b in frame[..32])
        {
            if (!char.IsAsciiHexDigitLower((char)b) && !char.IsAsciiDigit((char)b))
            {
                return false;
            }
        }

        long sequence = BinaryPrimitives.ReadInt64BigEndian(frame[32..]);
        if (sequence <= 0)
        {
            return false;
        }

        stamp = new DeliveryStamp(Encoding.ASCII.GetString(frame[..32]), sequence);
        return true;
    }
}
