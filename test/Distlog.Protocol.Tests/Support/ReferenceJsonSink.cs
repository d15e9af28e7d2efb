using System.Text.Json;

namespace Distlog.Protocol.Tests.Support;

/// <summary>The record's JSON as <see cref="Utf8JsonWriter"/> writes it (relaxed escaping, no shortcuts): what
/// <see cref="Utf8JsonSink"/> must write byte for byte. (The codec wrote through this until it had its own sink.)</summary>
internal readonly struct ReferenceJsonSink(Utf8JsonWriter writer) : IValueSink
{
    public static readonly JsonWriterOptions Options = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
        Indented = false,
    };

    public void WriteNull() => writer.WriteNullValue();

    public void WriteBool(bool value) => writer.WriteBooleanValue(value);

    public void WriteInt64(long value) => writer.WriteNumberValue(value);

    public void WriteUInt64(ulong value) => writer.WriteNumberValue(value);

    public void WriteDouble(double value)
    {
        if (double.IsFinite(value))
        {
            writer.WriteNumberValue(value);
        }
        else
        {
            writer.WriteStringValue(double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
        }
    }

    public void WriteString(string value) => writer.WriteStringValue(value);

    public void WriteBytes(ReadOnlySpan<byte> value) => writer.WriteBase64StringValue(value);

    public void BeginArray(int count) => writer.WriteStartArray();

    public void EndArray() => writer.WriteEndArray();

    public void BeginMap(int count) => writer.WriteStartObject();

    public void WritePropertyName(string name) => writer.WritePropertyName(name);

    public void WriteNullProperty(string name) => writer.WriteNull(name);

    public void WriteStringProperty(string name, string value) => writer.WriteString(name, value);

    public void EndMap() => writer.WriteEndObject();

    /// <summary>A record as the reference writes it.</summary>
    public static byte[] Encode(LogRecord record, RecordEncoderOptions? limits = null)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, Options))
        {
            var sink = new ReferenceJsonSink(json);
            RecordWriter.Write(ref sink, record, limits ?? RecordEncoderOptions.Default, includeNulls: true);
        }

        return buffer.WrittenSpan.ToArray();
    }
}
