using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Distlog.Daemon.Plugins.Export;

/// <summary>Writes protobuf's wire format (varints, fixed64, length-delimited fields), the few kinds OTLP needs.
/// A nested message is written into a buffer of its own depth and copied, length first, into its parent's when it
/// ends.</summary>
/// <remarks>Reused batch after batch by one thread.</remarks>
internal sealed class ProtoWriter
{
    private readonly List<ArrayBufferWriter<byte>> _levels = [new(64 * 1024)];
    private int _depth;

    /// <summary>The finished request (depth 0).</summary>
    public ReadOnlyMemory<byte> Written => _levels[0].WrittenMemory;

    private ArrayBufferWriter<byte> Current => _levels[_depth];

    public void Reset()
    {
        _depth = 0;
        _levels[0].ResetWrittenCount();
    }

    public void BeginMessage()
    {
        _depth++;
        if (_levels.Count == _depth)
        {
            _levels.Add(new ArrayBufferWriter<byte>(4096));
        }

        _levels[_depth].ResetWrittenCount();
    }

    public void EndMessage(int field)
    {
        var inner = _levels[_depth];
        _depth--;
        Bytes(field, inner.WrittenSpan);
    }

    public void String(int field, string? value)
    {
        if (value is null)
        {
            return;
        }

        Tag(field, 2);
        int length = Encoding.UTF8.GetByteCount(value);
        Varint((ulong)length);
        Encoding.UTF8.GetBytes(value, Current.GetSpan(length));
        Current.Advance(length);
    }

    public void Bytes(int field, ReadOnlySpan<byte> value)
    {
        Tag(field, 2);
        Varint((ulong)value.Length);
        Current.Write(value);
    }

    public void UInt64(int field, ulong value)
    {
        Tag(field, 0);
        Varint(value);
    }

    public void Int64(int field, long value) => UInt64(field, unchecked((ulong)value));

    public void Bool(int field, bool value) => UInt64(field, value ? 1UL : 0UL);

    public void Fixed64(int field, ulong value)
    {
        Tag(field, 1);
        BinaryPrimitives.WriteUInt64LittleEndian(Current.GetSpan(8), value);
        Current.Advance(8);
    }

    public void Fixed32(int field, uint value)
    {
        Tag(field, 5);
        BinaryPrimitives.WriteUInt32LittleEndian(Current.GetSpan(4), value);
        Current.Advance(4);
    }

    public void Double(int field, double value) => Fixed64(field, BitConverter.DoubleToUInt64Bits(value));

    private void Tag(int field, int wireType) => Varint((ulong)((field << 3) | wireType));

    private void Varint(ulong value)
    {
        var span = Current.GetSpan(10);
        int i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[i++] = (byte)value;
        Current.Advance(i);
    }
}
