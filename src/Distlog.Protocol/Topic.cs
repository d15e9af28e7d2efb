namespace Distlog.Protocol;

/// <summary>
/// The first frame of every distlog message: three ASCII bytes, SYSTEM, KIND and ENCODING,
/// as in the original Python distlog (<c>PLJ</c> = production, log record, JSON).
/// </summary>
/// <remarks>
/// Kinds: <see cref="KindRecord"/> (<c>L</c>, one record, as the original sends) and
/// <see cref="KindBatch"/> (<c>B</c>, many records in one body, see <see cref="BatchFormat"/>).
/// Encodings: <see cref="EncodingJson"/> (<c>J</c>), <see cref="EncodingMessagePack"/> (<c>M</c>) and
/// <see cref="EncodingPickle"/> (<c>P</c>, the original's pickle, which this library never decodes).
/// </remarks>
public readonly record struct Topic(byte System, byte Kind, byte Encoding)
{
    /// <summary>Length of a topic frame in bytes.</summary>
    public const int Length = 3;

    /// <summary>System byte for production.</summary>
    public const byte SystemProduction = (byte)'P';

    /// <summary>System byte for staging.</summary>
    public const byte SystemStaging = (byte)'S';

    /// <summary>System byte for test.</summary>
    public const byte SystemTest = (byte)'T';

    /// <summary>Kind byte of a message whose body is one record.</summary>
    public const byte KindRecord = (byte)'L';

    /// <summary>Kind byte of a message whose body is a batch of records.</summary>
    public const byte KindBatch = (byte)'B';

    /// <summary>Encoding byte for UTF-8 JSON.</summary>
    public const byte EncodingJson = (byte)'J';

    /// <summary>Encoding byte for MessagePack.</summary>
    public const byte EncodingMessagePack = (byte)'M';

    /// <summary>Encoding byte for Python pickle (never decoded by this library).</summary>
    public const byte EncodingPickle = (byte)'P';

    /// <summary>Whether <paramref name="system"/> is one of <c>P</c>, <c>S</c>, <c>T</c>.</summary>
    public static bool IsValidSystem(char system) => system is 'P' or 'S' or 'T';

    /// <summary>Parses a topic frame.</summary>
    /// <returns><see langword="false"/> with a reason when the frame is not a known topic.</returns>
    public static bool TryParse(ReadOnlySpan<byte> frame, out Topic topic, out string? error)
    {
        topic = default;
        if (frame.Length != Length)
        {
            error = $"topic must be {Length} bytes, got {frame.Length}";
            return false;
        }

        if (!IsValidSystem((char)frame[0]))
        {
            error = $"unknown system byte 0x{frame[0]:x2} (expected P, S or T)";
            return false;
        }

        if (frame[1] is not (KindRecord or KindBatch))
        {
            error = $"unknown kind byte 0x{frame[1]:x2} (expected L or B)";
            return false;
        }

        if (frame[2] is not (EncodingJson or EncodingMessagePack or EncodingPickle))
        {
            error = $"unknown encoding byte 0x{frame[2]:x2} (expected J, M or P)";
            return false;
        }

        topic = new Topic(frame[0], frame[1], frame[2]);
        error = null;
        return true;
    }

    /// <summary>The three bytes of this topic.</summary>
    public byte[] ToArray() => [System, Kind, Encoding];

    /// <inheritdoc/>
    public override string ToString() => $"{(char)System}{(char)Kind}{(char)Encoding}";
}
