using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Distlog.Protocol;

/// <summary>
/// The seed's <c>JSONFormatter</c>: one UTF-8 JSON object per record, the flat shape of Python's
/// <c>LogRecord</c> plus <c>context</c>. Reads records from the original Python distlog as well as ours.
/// </summary>
/// <remarks>Thread-safe. Decoding rejects nesting deeper than <see cref="MaxDecodeDepth"/>.</remarks>
public sealed class JsonRecordCodec : IRecordCodec
{
    /// <summary>Deepest nesting a decoded record may have.</summary>
    public const int MaxDecodeDepth = 64;

    private static readonly JsonWriterOptions s_writerOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
        Indented = false,
    };

    private static readonly JsonReaderOptions s_readerOptions = new()
    {
        MaxDepth = MaxDecodeDepth,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
    };

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    private readonly RecordEncoderOptions _limits;

    /// <summary>Creates the codec with the given limits (or the defaults).</summary>
    public JsonRecordCodec(RecordEncoderOptions? limits = null)
    {
        _limits = limits ?? RecordEncoderOptions.Default;
    }

    /// <summary>A shared instance with the default limits.</summary>
    public static JsonRecordCodec Default { get; } = new();

    /// <inheritdoc/>
    public byte Encoding => Topic.EncodingJson;

    /// <inheritdoc/>
    public void Encode(LogRecord record, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(output);
        var writer = t_writer ??= new Utf8JsonWriter(output, s_writerOptions);
        writer.Reset(output);
        try
        {
            var sink = new JsonValueSink(writer);
            RecordWriter.Write(ref sink, record, _limits, includeNulls: true);
            writer.Flush();
        }
        finally
        {
            // Let go of the caller's buffer; the writer stays for the thread's next record.
            writer.Reset(NullBufferWriter.Instance);
        }
    }

    /// <inheritdoc/>
    public LogRecord Decode(ReadOnlyMemory<byte> data)
    {
        try
        {
            var reader = new Utf8JsonReader(data.Span, s_readerOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new RecordFormatException("a JSON record must be an object");
            }

            var record = new LogRecord();
            List<KeyValuePair<string, object?>>? extra = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string name = reader.GetString()!;
                reader.Read();
                RecordReader.Set(record, name, ReadValue(ref reader), ref extra);
            }

            if (reader.TokenType != JsonTokenType.EndObject)
            {
                throw new RecordFormatException("unterminated JSON object");
            }

            if (reader.Read())
            {
                throw new RecordFormatException("data after the JSON record");
            }

            RecordReader.Complete(record, extra);
            return record;
        }
        catch (JsonException ex)
        {
            throw new RecordFormatException("invalid JSON: " + ex.Message, ex);
        }
        catch (InvalidOperationException ex)
        {
            throw new RecordFormatException("invalid JSON text: " + ex.Message, ex);
        }
    }

    /// <summary>A buffer writer that is never written to, for a parked <see cref="Utf8JsonWriter"/>.</summary>
    private sealed class NullBufferWriter : IBufferWriter<byte>
    {
        public static readonly NullBufferWriter Instance = new();

        public void Advance(int count)
        {
        }

        public Memory<byte> GetMemory(int sizeHint = 0) => Memory<byte>.Empty;

        public Span<byte> GetSpan(int sizeHint = 0) => Span<byte>.Empty;
    }

    private static object? ReadValue(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.True:
                return true;
            case JsonTokenType.False:
                return false;
            case JsonTokenType.String:
                return reader.GetString();
            case JsonTokenType.Number:
                if (reader.TryGetInt64(out long l))
                {
                    return l;
                }

                if (reader.TryGetUInt64(out ulong ul))
                {
                    return ul;
                }

                return reader.GetDouble();
            case JsonTokenType.StartArray:
            {
                var list = new List<object?>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    list.Add(ReadValue(ref reader));
                }

                return list;
            }

            case JsonTokenType.StartObject:
            {
                var map = new Dictionary<string, object?>();
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    string name = reader.GetString()!;
                    reader.Read();
                    map[name] = ReadValue(ref reader);
                }

                return map;
            }

            default:
                throw new RecordFormatException($"unexpected JSON token {reader.TokenType}");
        }
    }
}
