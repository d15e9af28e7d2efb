using System.Buffers;
using Distlog.Protocol.Tests.Support;
using Xunit;

namespace Distlog.Protocol.Tests;

public class BatchFormatTests
{
    [Fact]
    public void TryReadNext_ReadsEveryRecord_ThenStopsCleanly()
    {
        var body = Batch(Records.Full(), new LogRecord { Message = "second" });

        int offset = 0;
        Assert.True(BatchFormat.TryReadNext(body, ref offset, out var first, out _));
        Assert.True(BatchFormat.TryReadNext(body, ref offset, out var second, out _));
        Assert.False(BatchFormat.TryReadNext(body, ref offset, out _, out string? error));

        Assert.Null(error);
        Assert.Equal("Order 42 for leo", JsonRecordCodec.Default.Decode(first).Message);
        Assert.Equal("second", JsonRecordCodec.Default.Decode(second).Message);
    }

    [Fact]
    public void TryReadNext_DamagedTail_KeepsTheRecordsBeforeIt()
    {
        byte[] body = [.. Batch(new LogRecord { Message = "kept" }), 0, 0, 1, 0, 1, 2];

        int offset = 0;
        Assert.True(BatchFormat.TryReadNext(body, ref offset, out var kept, out _));
        Assert.False(BatchFormat.TryReadNext(body, ref offset, out _, out string? error));

        Assert.Equal("kept", JsonRecordCodec.Default.Decode(kept).Message);
        Assert.Contains("overruns", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryReadNext_CutPrefix_IsReported()
    {
        byte[] body = [0, 0];
        int offset = 0;
        Assert.False(BatchFormat.TryReadNext(body, ref offset, out _, out string? error));
        Assert.Contains("length prefix", error, StringComparison.Ordinal);
    }

    private static byte[] Batch(params LogRecord[] records)
    {
        var buffer = new ArrayBufferWriter<byte>();
        foreach (var record in records)
        {
            byte[] encoded = Records.Encode(JsonRecordCodec.Default, record);
            var slot = buffer.GetSpan(BatchFormat.PrefixLength);
            BatchFormat.WriteLength(slot, encoded.Length);
            buffer.Advance(BatchFormat.PrefixLength);
            buffer.Write(encoded);
        }

        return buffer.WrittenSpan.ToArray();
    }
}
