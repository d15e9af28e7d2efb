using System.Buffers;
using Distlog.Protocol;

namespace Distlog.Plugins;

/// <summary>Conveniences over <see cref="ReceivedRecord"/>.</summary>
public static class ReceivedRecordExtensions
{
    /// <summary>
    /// The record as one JSON object in the seed's shape: the bytes received when the record came as JSON (so a
    /// Python client's fields are kept as sent), else the decoded record encoded anew.
    /// </summary>
    /// <remarks>Encoding anew never throws for a decoded record: it holds only plain values.</remarks>
    public static ReadOnlyMemory<byte> GetJsonBody(this ReceivedRecord received)
    {
        ArgumentNullException.ThrowIfNull(received);
        if (received.Encoding == Topic.EncodingJson && !received.Body.IsEmpty)
        {
            return received.Body;
        }

        var buffer = new ArrayBufferWriter<byte>(512);
        JsonRecordCodec.Default.Encode(received.Record, buffer);
        return buffer.WrittenMemory;
    }

    /// <summary>
    /// The record's rendered message (<c>message</c>): read alone from the bytes when the record came as JSON and is
    /// not decoded yet (a store that indexes the summary and the message needs nothing else), else the decoded
    /// record's.
    /// </summary>
    public static string? GetMessage(this ReceivedRecord received)
    {
        ArgumentNullException.ThrowIfNull(received);
        return received.Encoding == Topic.EncodingJson && !received.Body.IsEmpty && !received.IsDecoded
            ? JsonRecordCodec.ReadMessage(received.Body.Span)
            : received.Record.Message;
    }
}
