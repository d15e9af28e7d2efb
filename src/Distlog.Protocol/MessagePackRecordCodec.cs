using System.Buffers;
using System.Text;
using MessagePack;

namespace Distlog.Protocol;

/// <summary>
/// The compact binary encoding that replaces the original's pickle: the same record as
/// <see cref="JsonRecordCodec"/>, as one MessagePack map with the same field names, absent fields left out.
/// </summary>
/// <remarks>Thread-safe. Decoding creates only the value types listed on <see cref="LogRecord"/>: no type is
/// ever chosen by the data, MessagePack extension types other than the timestamp are rejected, strings must be
/// valid UTF-8 and nesting deeper than <see cref="MaxDecodeDepth"/> is rejected.</remarks>
public sealed class MessagePackRecordCodec : IRecordCodec
{
    /// <summary>Deepest nesting a decoded record may have.</summary>
    public const int MaxDecodeDepth = 64;

    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly RecordEncoderOptions _limits;

    /// <summary>Creates the codec with the given limits (or the defaults).</summary>
    public MessagePackRecordCodec(RecordEncoderOptions? limits = null)
    {
        _limits = limits ?? RecordEncoderOptions.Default;
    }

    /// <summary>A shared instance with the default limits.</summary>
    public static MessagePackRecordCodec Default { get; } = new();

    /// <inheritdoc/>
    public byte Encoding => Topic.EncodingMessagePack;

    /// <inheritdoc/>
    public void Encode(LogRecord record, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(output);
        var sink = new MessagePackValueSink(new MessagePackWriter(output));
        RecordWriter.Write(ref sink, record, _limits, includeNulls: false);
        sink.Flush();
    }

    /// <inheritdoc/>
    public LogRecord Decode(ReadOnlyMemory<byte> data)
    {
        try
        {
            var reader = new MessagePackReader(data);
            if (reader.End || reader.NextMessagePackType != MessagePackType.Map)
            {
                throw new RecordFormatException("a MessagePack record must be a map");
            }

            int count = reader.ReadMapHeader();
            var record = new LogRecord();
            List<KeyValuePair<string, object?>>? extra = null;
            for (int i = 0; i < count; i++)
            {
                string name = ReadKey(ref reader);
                RecordReader.Set(record, name, ReadValue(ref reader, 1), ref extra);
            }

            if (!reader.End)
            {
                throw new RecordFormatException("data after the MessagePack record");
            }

            RecordReader.Complete(record, extra);
            return record;
        }
        catch (RecordFormatException)
        {
            throw;
        }
        catch (Exception ex) when (ex is MessagePackSerializationException or EndOfStreamException or DecoderFallbackException or OverflowException or InvalidOperationException or ArgumentException)
        {
            throw new RecordFormatException("invalid MessagePack: " + ex.Message, ex);
        }
    }

    private static string ReadKey(ref MessagePackReader reader)
    {
        if (reader.NextMessagePackType != MessagePackType.String)
        {
            throw new RecordFormatException("MessagePack map keys must be strings");
        }

        return ReadString(ref reader);
    }

    private static string ReadString(ref MessagePackReader reader)
    {
        var bytes = reader.ReadStringSequence() ?? throw new RecordFormatException("unexpected nil string");
        return bytes.IsSingleSegment ? s_strictUtf8.GetString(bytes.FirstSpan) : s_strictUtf8.GetString(bytes.ToArray());
    }

    private static object? ReadValue(ref MessagePackReader reader, int depth)
    {
        if (depth > MaxDecodeDepth)
        {
            throw new RecordFormatException($"nesting deeper than {MaxDecodeDepth}");
        }

        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Nil:
                reader.ReadNil();
                return null;
            case MessagePackType.Boolean:
                return reader.ReadBoolean();
            case MessagePackType.Integer:
                return reader.NextCode == MessagePackCode.UInt64 ? reader.ReadUInt64() is var u && u > long.MaxValue ? u : (object)(long)u : reader.ReadInt64();
            case MessagePackType.Float:
                return reader.ReadDouble();
            case MessagePackType.String:
                return ReadString(ref reader);
            case MessagePackType.Binary:
                return reader.ReadBytes()?.ToArray();
            case MessagePackType.Array:
            {
                int count = reader.ReadArrayHeader();
                var list = new List<object?>(Math.Min(count, 1024));
                for (int i = 0; i < count; i++)
                {
                    list.Add(ReadValue(ref reader, depth + 1));
                }

                return list;
            }

            case MessagePackType.Map:
            {
                int count = reader.ReadMapHeader();
                var map = new Dictionary<string, object?>(Math.Min(count, 1024));
                for (int i = 0; i < count; i++)
                {
                    string key = ReadKey(ref reader);
                    map[key] = ReadValue(ref reader, depth + 1);
                }

                return map;
            }

            case MessagePackType.Extension:
            {
                var header = reader.ReadExtensionFormatHeader();
                if (header.TypeCode != ReservedMessagePackExtensionTypeCode.DateTime)
                {
                    throw new RecordFormatException($"unsupported MessagePack extension type {header.TypeCode}");
                }

                return reader.ReadDateTime(header).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
            }

            default:
                throw new RecordFormatException($"unsupported MessagePack code 0x{reader.NextCode:x2}");
        }
    }
}
