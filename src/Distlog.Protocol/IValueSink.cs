namespace Distlog.Protocol;

/// <summary>What an encoding can write; <see cref="ValueWriter"/> walks values onto it.</summary>
/// <remarks>Counts are exact: the walker materializes a collection before it announces it.</remarks>
internal interface IValueSink
{
    void WriteNull();

    void WriteBool(bool value);

    void WriteInt64(long value);

    void WriteUInt64(ulong value);

    void WriteDouble(double value);

    void WriteString(string value);

    void WriteBytes(ReadOnlySpan<byte> value);

    void BeginArray(int count);

    void EndArray();

    void BeginMap(int count);

    void WritePropertyName(string name);

    /// <summary>A property whose value is null: one call where the sink can do it in one.</summary>
    void WriteNullProperty(string name);

    /// <summary>A property whose value is a string: one call where the sink can do it in one.</summary>
    void WriteStringProperty(string name, string value);

    void EndMap();
}
