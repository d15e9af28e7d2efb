using System.Buffers;
using Distlog.Protocol.Tests.Support;
using MessagePack;
using Xunit;

namespace Distlog.Protocol.Tests;

public class MessagePackRecordCodecTests
{
    [Fact]
    public void RoundTrip_FullRecord_EqualsTheJsonRoundTrip()
    {
        var original = Records.Full();

        var viaMessagePack = MessagePackRecordCodec.Default.Decode(Records.Encode(MessagePackRecordCodec.Default, original));
        var viaJson = JsonRecordCodec.Default.Decode(Records.Encode(JsonRecordCodec.Default, original));

        Assert.Equal(Records.Canonical(viaJson), Records.Canonical(viaMessagePack));
        Assert.Equal("2@e252a11f-d33d-483d-ba08-bc8f642b2f10/1", viaMessagePack.Context!.Key);
    }

    [Fact]
    public void Encode_IsSmallerThanJson()
    {
        var record = Records.Full();
        Assert.True(Records.Encode(MessagePackRecordCodec.Default, record).Length < Records.Encode(JsonRecordCodec.Default, record).Length);
    }

    [Fact]
    public void Encode_LeavesOutAbsentFields()
    {
        var record = new LogRecord { Name = "n", Message = "m", LevelNo = 10 };
        var reader = new MessagePackReader(Records.Encode(MessagePackRecordCodec.Default, record));
        int count = reader.ReadMapHeader();
        var names = new List<string>();
        for (int i = 0; i < count; i++)
        {
            names.Add(reader.ReadString()!);
            reader.Skip();
        }

        Assert.Equal(["created", "levelname", "levelno", "message", "msecs", "name", "relativeCreated"], names.Order());
    }

    [Fact]
    public void Decode_RandomBytes_NeverThrowsAnythingButRecordFormatException()
    {
        var random = new Random(1234);
        var valid = Records.Encode(MessagePackRecordCodec.Default, Records.Full());
        for (int i = 0; i < 5000; i++)
        {
            byte[] bytes;
            if (i % 2 == 0)
            {
                bytes = new byte[random.Next(0, 64)];
                random.NextBytes(bytes);
            }
            else
            {
                // A valid record with a few bytes flipped or cut short.
                bytes = valid[..random.Next(0, valid.Length)];
                if (bytes.Length > 0)
                {
                    bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                }
            }

            try
            {
                MessagePackRecordCodec.Default.Decode(bytes);
            }
            catch (RecordFormatException)
            {
            }
        }
    }

    [Fact]
    public void Decode_ExtensionType_IsRejected()
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        writer.WriteMapHeader(1);
        writer.Write("args");
        writer.WriteExtensionFormat(new ExtensionResult(42, new byte[] { 1, 2, 3 }));
        writer.Flush();

        var ex = Assert.Throws<RecordFormatException>(() => MessagePackRecordCodec.Default.Decode(buffer.WrittenMemory));
        Assert.Contains("extension type 42", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_InvalidUtf8String_IsRejected()
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        writer.WriteMapHeader(1);
        writer.Write("message");
        writer.WriteString(new ReadOnlySequence<byte>(new byte[] { 0xff, 0xfe, 0x41 }));
        writer.Flush();

        Assert.Throws<RecordFormatException>(() => MessagePackRecordCodec.Default.Decode(buffer.WrittenMemory));
    }

    [Fact]
    public void Decode_DeepNesting_IsRejected()
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        writer.WriteMapHeader(1);
        writer.Write("args");
        for (int i = 0; i < 100; i++)
        {
            writer.WriteArrayHeader(1);
        }

        writer.WriteNil();
        writer.Flush();

        var ex = Assert.Throws<RecordFormatException>(() => MessagePackRecordCodec.Default.Decode(buffer.WrittenMemory));
        Assert.Contains("nesting", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_NotAMap_IsRejected()
    {
        var ex = Assert.Throws<RecordFormatException>(() => MessagePackRecordCodec.Default.Decode(new byte[] { 0x93, 1, 2, 3 }));
        Assert.Contains("must be a map", ex.Message, StringComparison.Ordinal);
    }
}
