using System.Buffers;
using System.Collections;
using System.Globalization;
using System.Numerics;
using System.Text.Json;
using Distlog.Protocol;
using Razorvine.Pickle;

namespace Distlog.Daemon.Receiving;

/// <summary>
/// Reads the original Python client's pickle records (topic encoding <c>P</c>) — only when <c>accept_pickle: true</c>.
/// </summary>
/// <remarks>
/// Razorvine.Pickle's unpickler never runs code: a class it does not know (<c>os.system</c>, say) becomes a plain
/// dictionary of its name and arguments instead of being looked up and called. The result is reduced to the same
/// closed set of values as the other decoders (null, bool, numbers, text, bytes, lists, maps), depth-limited, and
/// read through the JSON record decoder so that a pickled record obeys the same rules as a JSON one.
/// Decode only; thread-safe (a new unpickler per record).
/// </remarks>
internal sealed class PickleRecordCodec : IRecordCodec
{
    private const int MaxDepth = 64;

    public byte Encoding => Topic.EncodingPickle;

    public void Encode(LogRecord record, IBufferWriter<byte> output) =>
        throw new NotSupportedException("distlog never writes pickle");

    public LogRecord Decode(ReadOnlyMemory<byte> data)
    {
        object? value;
        try
        {
            using var unpickler = new Unpickler();
            value = unpickler.loads(data.ToArray());
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new RecordFormatException("invalid pickle: " + ex.Message, ex);
        }

        if (value is not IDictionary)
        {
            throw new RecordFormatException("a pickled record must be a dict");
        }

        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, value, 0);
        }

        return JsonRecordCodec.Default.Decode(buffer.WrittenMemory);
    }

    private static void Write(Utf8JsonWriter writer, object? value, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new RecordFormatException($"nesting deeper than {MaxDepth}");
        }

        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case string s:
                writer.WriteStringValue(s);
                break;
            case bool b:
                writer.WriteBooleanValue(b);
                break;
            case int or long or short or sbyte or byte or ushort or uint:
                writer.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                break;
            case ulong ul:
                writer.WriteNumberValue(ul);
                break;
            case double d:
                if (double.IsFinite(d))
                {
                    writer.WriteNumberValue(d);
                }
                else
                {
                    writer.WriteStringValue(d.ToString(CultureInfo.InvariantCulture));
                }

                break;
            case float f:
                writer.WriteNumberValue(f);
                break;
            case decimal m:
                writer.WriteNumberValue(m);
                break;
            case BigInteger big:
                writer.WriteStringValue(big.ToString(CultureInfo.InvariantCulture));
                break;
            case byte[] bytes:
                writer.WriteBase64StringValue(bytes);
                break;
            case DateTime dt:
                writer.WriteStringValue(dt.ToString("O", CultureInfo.InvariantCulture));
                break;
            case IDictionary map:
                writer.WriteStartObject();
                foreach (DictionaryEntry entry in map)
                {
                    writer.WritePropertyName(Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? string.Empty);
                    Write(writer, entry.Value, depth + 1);
                }

                writer.WriteEndObject();
                break;
            case IEnumerable items:
                writer.WriteStartArray();
                foreach (object? item in items)
                {
                    Write(writer, item, depth + 1);
                }

                writer.WriteEndArray();
                break;
            default:
                writer.WriteStringValue(value.ToString());
                break;
        }
    }
}
