using System.Buffers;
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

    private static readonly JsonReaderOptions s_readerOptions = new()
    {
        MaxDepth = MaxDecodeDepth,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
    };

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
        var sink = new Utf8JsonSink(output);
        RecordWriter.Write(ref sink, record, _limits, includeNulls: true);
        sink.Complete();
    }

    /// <inheritdoc/>
    public LogRecord Decode(ReadOnlyMemory<byte> data)
    {
        var record = new LogRecord();
        List<KeyValuePair<string, object?>>? extra = null;
        Read(data.Span, record, ref extra);
        RecordReader.Complete(record, extra);
        return record;
    }

    /// <summary>
    /// Checks a record exactly as <see cref="Decode"/> does — it throws for the same inputs, with the same
    /// messages — and returns only the fields of a <see cref="RecordSummary"/>. Records of the usual shape are read
    /// by a one-pass scanner that builds nothing else; anything unusual, and anything wrong, is read by Decode's own
    /// reading, which decides and words every error. What it accepts, <see cref="Decode"/> decodes later without fail.
    /// </summary>
    /// <exception cref="RecordFormatException">The bytes are not a record.</exception>
    public static RecordSummary Scan(ReadOnlySpan<byte> data)
    {
        if (TryScanFast(data, out var summary))
        {
            return summary;
        }

        var record = t_scratch ??= new LogRecord();
        record.Clear();
        try
        {
            List<KeyValuePair<string, object?>>? extra = null;
            Read(data, record, ref extra);
            RecordReader.Complete(record, null);
            return RecordSummary.Of(record);
        }
        finally
        {
            record.Clear();
        }
    }

    /// <summary>
    /// The <c>message</c> field of a record that <see cref="Scan"/> accepted, as <see cref="Decode"/> would read it
    /// (the last one, if the field comes twice), without building anything else.
    /// </summary>
    /// <exception cref="RecordFormatException">The bytes are not a record.</exception>
    public static string? ReadMessage(ReadOnlySpan<byte> data)
    {
        try
        {
            var reader = new Utf8JsonReader(data, s_readerOptions);
            string? message = null;
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new RecordFormatException("a record must be a JSON object");
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isMessage = reader.ValueTextEquals("message"u8);
                reader.Read();
                if (isMessage)
                {
                    message = reader.TokenType == JsonTokenType.Null ? null : reader.GetString();
                }
                else
                {
                    reader.Skip();
                }
            }

            return message;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            throw new RecordFormatException("the record is not valid JSON: " + ex.Message, ex);
        }
    }

    /// <summary>
    /// <see cref="Scan"/>'s fast path (<see cref="JsonRecordScanner"/>): <see langword="false"/> when it leaves the
    /// record to the general reading — for anything unusual, and for anything wrong, whose error the general reading
    /// words as Decode does.
    /// </summary>
    internal static bool TryScanFast(ReadOnlySpan<byte> data, out RecordSummary summary)
    {
        var record = t_scratch ??= new LogRecord();
        record.Clear();
        summary = default;
        try
        {
            if (!JsonRecordScanner.TryRead(data, record))
            {
                return false;
            }

            RecordReader.Complete(record, null);
            summary = RecordSummary.Of(record);
            return true;
        }
        catch (Exception ex) when (ex is RecordFormatException or JsonException or InvalidOperationException or
            FormatException or ArgumentException or OverflowException)
        {
            // The general reading meets the same trouble and reports it.
            return false;
        }
        finally
        {
            record.Clear();
        }
    }

    /// <summary>A field the scan reads the general way, from its value's own bytes (a whole JSON value, nested less
    /// deeply than the reader's limit).</summary>
    internal static void ReadField(string name, ReadOnlySpan<byte> value, LogRecord record)
    {
        var reader = new Utf8JsonReader(value, s_readerOptions);
        reader.Read();
        if (!TrySetScalar(record, name, ref reader))
        {
            List<KeyValuePair<string, object?>>? extra = null;
            RecordReader.Set(record, name, ReadValue(ref reader), ref extra);
        }
    }

    [ThreadStatic]
    private static LogRecord? t_scratch;

    /// <summary>The one general reading of a JSON record (the scanner's fast path aside).</summary>
    private static void Read(ReadOnlySpan<byte> data, LogRecord record, ref List<KeyValuePair<string, object?>>? extra)
    {
        try
        {
            // Checked once for the whole record, so that a value the reader skips is held to it as well.
            if (!System.Text.Unicode.Utf8.IsValid(data))
            {
                throw new RecordFormatException("invalid UTF-8");
            }

            var reader = new Utf8JsonReader(data, s_readerOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new RecordFormatException("a JSON record must be an object");
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string name = PropertyName(ref reader);
                reader.Read();
                if (!TrySetScalar(record, name, ref reader))
                {
                    RecordReader.Set(record, name, ReadValue(ref reader), ref extra);
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject)
            {
                throw new RecordFormatException("unterminated JSON object");
            }

            if (reader.Read())
            {
                throw new RecordFormatException("data after the JSON record");
            }
        }
        catch (JsonException ex)
        {
            throw new RecordFormatException("invalid JSON: " + ex.Message, ex);
        }
        catch (InvalidOperationException ex)
        {
            throw new RecordFormatException("invalid JSON text: " + ex.Message, ex);
        }
        catch (FormatException ex)
        {
            throw new RecordFormatException("invalid JSON number: " + ex.Message, ex);
        }
    }

    /// <summary>The record's field names by UTF-8 length, to name a property without allocating a string.</summary>
    private static readonly (byte[] Utf8, string Name)[][] s_fieldsByLength = Fields.All
        .Distinct()
        .Select(name => (Utf8: System.Text.Encoding.UTF8.GetBytes(name), Name: name))
        .GroupBy(f => f.Utf8.Length)
        .Aggregate(new (byte[], string)[Fields.All.Max(n => n.Length) + 1][], (table, group) =>
        {
            table[group.Key] = [.. group];
            return table;
        });

    private static string PropertyName(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped && !reader.HasValueSequence)
        {
            var span = reader.ValueSpan;
            if (span.Length < s_fieldsByLength.Length && s_fieldsByLength[span.Length] is { } candidates)
            {
                foreach (var (utf8, name) in candidates)
                {
                    if (span.SequenceEqual(utf8))
                    {
                        return name;
                    }
                }
            }
        }

        return reader.GetString()!;
    }

    /// <summary>Reads the scalar fields of the seed's shape straight into the record, without boxing; anything else
    /// (and any value of an unexpected type, for its error message) takes the general path.</summary>
    private static bool TrySetScalar(LogRecord r, string name, ref Utf8JsonReader reader)
    {
        var token = reader.TokenType;
        string? text;
        long? integer;
        double number;
        switch (name)
        {
            case Fields.Message:
                if (!SetString(ref reader, token, out text))
                {
                    return false;
                }

                r.Message = text;
                return true;
            case Fields.Msg:
                if (!SetString(ref reader, token, out text))
                {
                    return false;
                }

                r.Msg = text;
                return true;
            case Fields.Name:
                if (!SetCachedString(ref reader, token, out text))
                {
                    return false;
                }

                r.Name = text;
                return true;
            case Fields.LevelName:
                if (!SetCachedString(ref reader, token, out text))
                {
                    return false;
                }

                r.LevelName = text;
                return true;
            case Fields.AscTime:
                if (!SetString(ref reader, token, out text))
                {
                    return false;
                }

                r.AscTime = text;
                return true;
            case Fields.Hostname:
                if (!SetCachedString(ref reader, token, out text))
                {
                    return false;
                }

                r.Hostname = text;
                return true;
            case Fields.ProcessName:
                if (!SetCachedString(ref reader, token, out text))
                {
                    return false;
                }

                r.ProcessName = text;
                return true;
            case Fields.ThreadName:
                if (!SetString(ref reader, token, out text))
                {
                    return false;
                }

                r.ThreadName = text;
                return true;
            case Fields.Filename:
                if (!SetString(ref reader, token, out text))
                {
                    return false;
                }

                r.Filename = text;
                return true;
            case Fields.FuncName:
                if (!SetString(ref reader, token, out text))
                {
                    return false;
                }

                r.FuncName = text;
                return true;
            case Fields.Module:
                if (!SetString(ref reader, token, out text))
                {
                    return false;
                }

                r.Module = text;
                return true;
            case Fields.Pathname:
                if (!SetString(ref reader, token, out text))
                {
                    return false;
                }

                r.Pathname = text;
                return true;
            case Fields.ExcText:
                if (!SetString(ref reader, token, out text))
                {
                    return false;
                }

                r.ExcText = text;
                return true;
            case Fields.StackInfo:
                if (!SetString(ref reader, token, out text))
                {
                    return false;
                }

                r.StackInfo = text;
                return true;
            case Fields.TraceId:
                if (!SetString(ref reader, token, out text))
                {
                    return false;
                }

                r.TraceId = text;
                return true;
            case Fields.SpanId:
                if (!SetString(ref reader, token, out text))
                {
                    return false;
                }

                r.SpanId = text;
                return true;
            case Fields.Service:
                if (!SetCachedString(ref reader, token, out text))
                {
                    return false;
                }

                r.Service = text;
                return true;
            case Fields.LevelNo:
                if (!SetInteger(ref reader, token, out integer))
                {
                    return false;
                }

                r.LevelNo = (int)(integer ?? 0);
                return true;
            case Fields.Process:
                if (!SetInteger(ref reader, token, out integer))
                {
                    return false;
                }

                r.Process = integer;
                return true;
            case Fields.Thread:
                if (!SetInteger(ref reader, token, out integer))
                {
                    return false;
                }

                r.Thread = integer;
                return true;
            case Fields.Lineno:
                if (!SetInteger(ref reader, token, out integer))
                {
                    return false;
                }

                r.Lineno = integer;
                return true;
            case Fields.TraceFlags:
                if (!SetInteger(ref reader, token, out integer))
                {
                    return false;
                }

                r.TraceFlags = integer;
                return true;
            case Fields.Created:
                if (!SetDouble(ref reader, token, out number))
                {
                    return false;
                }

                r.Created = number;
                return true;
            case Fields.Msecs:
                if (!SetDouble(ref reader, token, out number))
                {
                    return false;
                }

                r.Msecs = number;
                return true;
            case Fields.RelativeCreated:
                if (!SetDouble(ref reader, token, out number))
                {
                    return false;
                }

                r.RelativeCreated = number;
                return true;
            case Fields.ExcInfo:
                reader.Skip(); // always null on the wire; a traceback object never crosses it
                return true;
            default:
                return false;
        }
    }

    private static bool SetString(ref Utf8JsonReader reader, JsonTokenType token, out string? value)
    {
        value = token == JsonTokenType.String ? reader.GetString() : null;
        return token is JsonTokenType.String or JsonTokenType.Null;
    }

    private static bool SetCachedString(ref Utf8JsonReader reader, JsonTokenType token, out string? value)
    {
        value = token == JsonTokenType.String ? Utf8StringCache.Current.GetString(ref reader) : null;
        return token is JsonTokenType.String or JsonTokenType.Null;
    }

    private static bool SetInteger(ref Utf8JsonReader reader, JsonTokenType token, out long? value)
    {
        value = null;
        if (token == JsonTokenType.Null)
        {
            return true;
        }

        if (token == JsonTokenType.Number && reader.TryGetInt64(out long l))
        {
            value = l;
            return true;
        }

        return false;
    }

    private static bool SetDouble(ref Utf8JsonReader reader, JsonTokenType token, out double value)
    {
        value = 0;
        if (token == JsonTokenType.Null)
        {
            return true;
        }

        return token == JsonTokenType.Number && reader.TryGetDouble(out value);
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
