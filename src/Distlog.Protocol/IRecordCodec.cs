using System.Buffers;

namespace Distlog.Protocol;

/// <summary>Encodes and decodes one <see cref="LogRecord"/> in one wire encoding.</summary>
/// <remarks>Implementations are thread-safe. <see cref="Encode"/> never throws because of a value in the record
/// (see <see cref="RecordEncoderOptions"/>); <see cref="Decode"/> throws only <see cref="RecordFormatException"/>.</remarks>
public interface IRecordCodec
{
    /// <summary>The topic's encoding byte (<see cref="Topic.EncodingJson"/>, <see cref="Topic.EncodingMessagePack"/>).</summary>
    byte Encoding { get; }

    /// <summary>Appends the encoded record to <paramref name="output"/>.</summary>
    void Encode(LogRecord record, IBufferWriter<byte> output);

    /// <summary>Decodes one record.</summary>
    /// <exception cref="RecordFormatException">The bytes are not a record in this encoding; the message says why.</exception>
    LogRecord Decode(ReadOnlyMemory<byte> data);
}
