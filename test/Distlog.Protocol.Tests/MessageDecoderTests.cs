using System.Buffers;
using System.Text;
using Distlog.Protocol.Tests.Support;
using Xunit;

namespace Distlog.Protocol.Tests;

public class MessageDecoderTests
{
    [Fact]
    public void OriginalPythonMessage_DecodesWithItsContextKey()
    {
        byte[] json = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Seed", "tutorial-first-record.json"));

        var decoded = MessageDecoder.Decode([Encoding.ASCII.GetBytes("PLJ"), json]);

        Assert.Empty(decoded.Rejections);
        Assert.Equal("PLJ", decoded.Topic.ToString());
        Assert.Equal("0@e252a11f-d33d-483d-ba08-bc8f642b2f10", Assert.Single(decoded.Records).Context!.Key);
    }

    [Fact]
    public void Batch_WithAMalformedRecordAndADamagedTail_KeepsEveryValidRecord()
    {
        var buffer = new ArrayBufferWriter<byte>();
        Append(buffer, Records.Encode(MessagePackRecordCodec.Default, new LogRecord { Message = "one" }));
        Append(buffer, [0xc1]); // never used in MessagePack
        Append(buffer, Records.Encode(MessagePackRecordCodec.Default, new LogRecord { Message = "two" }));
        buffer.Write<byte>([0, 0, 0, 99, 1]);

        var decoded = MessageDecoder.Decode([Encoding.ASCII.GetBytes("SBM"), buffer.WrittenSpan.ToArray()]);

        Assert.Equal(["one", "two"], decoded.Records.Select(r => r.Message));
        Assert.Equal([RejectReason.Malformed, RejectReason.DamagedBatch], decoded.Rejections.Select(r => r.Reason));
        Assert.Contains("2 records before it were kept", decoded.Rejections[1].Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, "PLJ", nameof(RejectReason.FrameCount))]
    [InlineData(3, "PLJ", nameof(RejectReason.FrameCount))]
    [InlineData(2, "XYZ", nameof(RejectReason.Topic))]
    [InlineData(2, "PLP", nameof(RejectReason.Pickle))]
    public void BadFramesOrTopics_AreRejectedWithTheirReason(int frameCount, string topic, string reasonName)
    {
        var reason = Enum.Parse<RejectReason>(reasonName); // the enum is internal: a public test takes its name
        var frames = Enumerable.Range(0, frameCount).Select(i => i == 0 ? Encoding.ASCII.GetBytes(topic) : "{}"u8.ToArray()).ToList();

        var decoded = MessageDecoder.Decode(frames);

        Assert.Empty(decoded.Records);
        Assert.Equal(reason, Assert.Single(decoded.Rejections).Reason);
    }

    [Fact]
    public void ScanOfMemoryFrames_AgreesWithScanOfArrays_AndKeepsSlicesOfTheBody()
    {
        var buffer = new ArrayBufferWriter<byte>();
        Append(buffer, Records.Encode(JsonRecordCodec.Default, new LogRecord { Name = "a", Message = "one" }));
        Append(buffer, "{\"name\":"u8.ToArray());
        Append(buffer, Records.Encode(JsonRecordCodec.Default, new LogRecord { Name = "b", Message = "two" }));
        byte[] topic = Encoding.ASCII.GetBytes("PBJ");
        // The body sits inside a larger buffer, as a transport's pooled buffer may.
        byte[] pooled = new byte[buffer.WrittenCount + 10];
        buffer.WrittenSpan.CopyTo(pooled.AsSpan(5));
        var body = new ReadOnlyMemory<byte>(pooled, 5, buffer.WrittenCount);

        var fromArrays = MessageDecoder.Scan([topic, buffer.WrittenSpan.ToArray()]);
        var fromMemory = MessageDecoder.Scan(new ReadOnlyMemory<byte>[] { topic, body });
        var oneFrame = MessageDecoder.Scan(new ReadOnlyMemory<byte>[] { topic });

        Assert.Equal(fromArrays.Records.Select(r => r.Summary.Name), fromMemory.Records.Select(r => r.Summary.Name));
        Assert.Equal(["a", "b"], fromMemory.Records.Select(r => r.Summary.Name));
        Assert.Equal(fromArrays.Rejections, fromMemory.Rejections);
        Assert.Equal(RejectReason.Malformed, Assert.Single(fromMemory.Rejections).Reason);
        Assert.All(fromMemory.Records, r => Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(r.Body, out var segment) && segment.Array == pooled));
        Assert.Equal(RejectReason.FrameCount, Assert.Single(oneFrame.Rejections).Reason);
    }

    [Fact]
    public void OversizedBody_IsRejectedUnread()
    {
        var decoded = MessageDecoder.Decode([Encoding.ASCII.GetBytes("PLJ"), new byte[2048]], maxBodyBytes: 1024);
        Assert.Equal(RejectReason.TooLarge, Assert.Single(decoded.Rejections).Reason);
    }

    [Fact]
    public void RandomFrames_NeverThrow()
    {
        var random = new Random(42);
        string[] topics = ["PLJ", "PLM", "PBJ", "PBM", "TLP", "xx", ""];
        for (int i = 0; i < 5000; i++)
        {
            var body = new byte[random.Next(0, 200)];
            random.NextBytes(body);
            var frames = new List<byte[]> { Encoding.ASCII.GetBytes(topics[random.Next(topics.Length)]), body };
            var decoded = MessageDecoder.Decode(frames);
            Assert.True(decoded.Records.Count + decoded.Rejections.Count > 0 || body.Length == 0);
        }
    }

    private static void Append(ArrayBufferWriter<byte> buffer, byte[] record)
    {
        BatchFormat.WriteLength(buffer.GetSpan(BatchFormat.PrefixLength), record.Length);
        buffer.Advance(BatchFormat.PrefixLength);
        buffer.Write(record);
    }
}
