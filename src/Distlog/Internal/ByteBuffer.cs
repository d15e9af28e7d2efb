using System.Buffers;

namespace Distlog.Internal;

/// <summary>A growable byte buffer the encoders write into, reused for every message (owned by the sender thread).</summary>
internal sealed class ByteBuffer(int initialCapacity) : IBufferWriter<byte>
{
    private byte[] _buffer = new byte[initialCapacity];

    public int Length { get; private set; }

    public byte[] Array => _buffer;

    public Span<byte> WrittenSpan => _buffer.AsSpan(0, Length);

    public void Advance(int count) => Length += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(Length);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(Length);
    }

    /// <summary>Cuts the written data back to <paramref name="length"/>.</summary>
    public void Truncate(int length) => Length = length;

    public void Clear() => Length = 0;

    /// <summary>Shrinks a buffer that a huge record grew, so one outlier does not hold memory for good.</summary>
    public void Trim(int maxRetained)
    {
        if (_buffer.Length > maxRetained && Length == 0)
        {
            _buffer = new byte[maxRetained];
        }
    }

    private void Ensure(int sizeHint)
    {
        int needed = Length + Math.Max(sizeHint, 256);
        if (needed > _buffer.Length)
        {
            System.Array.Resize(ref _buffer, Math.Max(needed, _buffer.Length * 2));
        }
    }
}
