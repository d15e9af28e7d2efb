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

    void EndMap();
}
