using MessagePack;

namespace Distlog.Protocol;

/// <summary>An <see cref="IValueSink"/> over <see cref="MessagePackWriter"/>.</summary>
internal ref struct MessagePackValueSink(MessagePackWriter writer) : IValueSink
{
    private MessagePackWriter _writer = writer;

    public void Flush() => _writer.Flush();

    public void WriteNull() => _writer.WriteNil();

    public void WriteBool(bool value) => _writer.Write(value);

    public void WriteInt64(long value) => _writer.Write(value);

    public void WriteUInt64(ulong value) => _writer.Write(value);

    public void WriteDouble(double value) => _writer.Write(value);

    public void WriteString(string value) => _writer.Write(value);

    public void WriteBytes(ReadOnlySpan<byte> value) => _writer.Write(value);

    public void BeginArray(int count) => _writer.WriteArrayHeader(count);

    public readonly void EndArray()
    {
    }

    public void BeginMap(int count) => _writer.WriteMapHeader(count);

    public void WritePropertyName(string name) => _writer.Write(name);

    public readonly void EndMap()
    {
    }
}
