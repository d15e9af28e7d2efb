using MessagePack;

namespace Distlog.Protocol;

/// <summary>An <see cref="IValueSink"/> over <see cref="MessagePackWriter"/>.</summary>
internal ref struct MessagePackValueSink(MessagePackWriter writer) : IValueSink
{
    /// <summary>The record's own field names as MessagePack strings.</summary>
    private static readonly FieldNameTable<byte[]> s_fieldNames = new(Encode);

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

    public void WritePropertyName(string name)
    {
        if (s_fieldNames.TryGet(name, out byte[]? encoded))
        {
            _writer.WriteRaw(encoded);
        }
        else
        {
            _writer.Write(name);
        }
    }

    public void WriteNullProperty(string name)
    {
        WritePropertyName(name);
        _writer.WriteNil();
    }

    public void WriteStringProperty(string name, string value)
    {
        WritePropertyName(name);
        WriteString(value);
    }

    private static byte[] Encode(string name)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        writer.Write(name);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    public readonly void EndMap()
    {
    }
}
