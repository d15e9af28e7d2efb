using System.Text.Json;

namespace Distlog.Protocol;

/// <summary>An <see cref="IValueSink"/> over <see cref="Utf8JsonWriter"/>. JSON has no NaN or infinities, so
/// those are written as the strings Python's <c>json</c> module would print.</summary>
internal readonly struct JsonValueSink(Utf8JsonWriter writer) : IValueSink
{
    // The record's own field names, escaped and encoded once; looked up by reference, since the writer passes the
    // very constants of Fields. Names of the application's data take the ordinary path.
    private static readonly Dictionary<string, JsonEncodedText> s_fieldNames =
        Fields.All.Distinct().ToDictionary(name => name, name => JsonEncodedText.Encode(name), ReferenceEqualityComparer.Instance.AsStringComparer());

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

    public void WritePropertyName(string name)
    {
        if (s_fieldNames.TryGetValue(name, out var encoded))
        {
            writer.WritePropertyName(encoded);
        }
        else
        {
            writer.WritePropertyName(name);
        }
    }

    public void EndMap() => writer.WriteEndObject();
}
