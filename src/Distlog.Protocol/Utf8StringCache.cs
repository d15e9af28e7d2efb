using System.Text.Json;

namespace Distlog.Protocol;

/// <summary>
/// Reuses the strings of values that repeat from record to record (logger, level, host, service, process names):
/// a small direct-mapped table from UTF-8 bytes to the string made from them the last time.
/// </summary>
/// <remarks>One per thread (not thread-safe). Values longer than <see cref="MaxLength"/> bytes, escaped values and
/// values split across segments are read as usual.</remarks>
internal sealed class Utf8StringCache
{
    private const int MaxLength = 96;
    private const int Slots = 256;

    [ThreadStatic]
    private static Utf8StringCache? t_current;

    private readonly byte[]?[] _keys = new byte[Slots][];
    private readonly string?[] _values = new string[Slots];

    /// <summary>This thread's cache.</summary>
    public static Utf8StringCache Current => t_current ??= new Utf8StringCache();

    /// <summary>The reader's current string token as a string, reused when the same bytes were seen before.</summary>
    public string GetString(ref Utf8JsonReader reader) =>
        reader.ValueIsEscaped || reader.HasValueSequence ? reader.GetString()! : GetString(reader.ValueSpan);

    /// <summary>Unescaped, valid UTF-8 string content as a string, reused when the same bytes were seen before.</summary>
    public string GetString(ReadOnlySpan<byte> span)
    {
        if (span.Length > MaxLength)
        {
            return System.Text.Encoding.UTF8.GetString(span);
        }

        uint hash = 2166136261;
        foreach (byte b in span)
        {
            hash = (hash ^ b) * 16777619;
        }

        int slot = (int)((hash ^ (hash >> 16)) & (Slots - 1));
        if (_keys[slot] is { } key && span.SequenceEqual(key))
        {
            return _values[slot]!;
        }

        string value = System.Text.Encoding.UTF8.GetString(span);
        _keys[slot] = span.ToArray();
        _values[slot] = value;
        return value;
    }
}
