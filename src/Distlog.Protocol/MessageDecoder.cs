namespace Distlog.Protocol;

/// <summary>
/// Turns one received ZeroMQ message into records: checks the frames and the topic, refuses pickle, splits batches
/// and decodes every record, keeping each valid record and describing each failure.
/// </summary>
/// <remarks>Thread-safe. Never throws because of the bytes it is given, whatever they are.</remarks>
public static class MessageDecoder
{
    /// <summary>The default limit on a message body: 16 MiB.</summary>
    public const int DefaultMaxBodyBytes = 16 * 1024 * 1024;

    /// <summary>Decodes one message.</summary>
    /// <param name="frames">The message's frames as received.</param>
    /// <param name="maxBodyBytes">Bodies larger than this are rejected unread.</param>
    /// <param name="pickle">Decodes pickle bodies when given (an explicit opt-in of the daemon); without it they
    /// are rejected with <see cref="RejectReason.Pickle"/>.</param>
    /// <returns>The records and the rejections.</returns>
    public static DecodedMessage Decode(IReadOnlyList<byte[]> frames, int maxBodyBytes = DefaultMaxBodyBytes, IRecordCodec? pickle = null)
    {
        ArgumentNullException.ThrowIfNull(frames);
        if (frames.Count != 2)
        {
            return Rejected(null, RejectReason.FrameCount, $"expected 2 frames [topic, body], got {frames.Count}");
        }

        if (!Topic.TryParse(frames[0], out var topic, out string? topicError))
        {
            return Rejected(null, RejectReason.Topic, topicError!);
        }

        byte[] body = frames[1];
        if (topic.Encoding == Topic.EncodingPickle && pickle is null)
        {
            return Rejected(topic, RejectReason.Pickle, $"topic {topic}: pickle is never unpickled from the network; configure the client for JSON");
        }

        if (body.Length > maxBodyBytes)
        {
            return Rejected(topic, RejectReason.TooLarge, $"topic {topic}: body of {body.Length} bytes exceeds the limit of {maxBodyBytes}");
        }

        var codec = topic.Encoding == Topic.EncodingPickle ? pickle! : RecordCodecs.ForEncoding(topic.Encoding)!;
        var records = new List<LogRecord>(topic.Kind == Topic.KindBatch ? 64 : 1);
        var bodies = new List<ReadOnlyMemory<byte>>(records.Capacity);
        List<Rejection>? rejections = null;
        if (topic.Kind == Topic.KindRecord)
        {
            DecodeOne(codec, body, topic, records, bodies, ref rejections);
        }
        else
        {
            int offset = 0;
            string? batchError;
            while (BatchFormat.TryReadNext(body, ref offset, out var record, out batchError))
            {
                DecodeOne(codec, record, topic, records, bodies, ref rejections);
            }

            if (offset < body.Length)
            {
                (rejections ??= []).Add(new Rejection(RejectReason.DamagedBatch,
                    $"topic {topic}: {batchError} at byte {offset}; {records.Count} records before it were kept"));
            }
        }

        return new DecodedMessage(topic, records, rejections ?? (IReadOnlyList<Rejection>)[]) { Bodies = bodies };
    }

    private static void DecodeOne(IRecordCodec codec, ReadOnlyMemory<byte> data, Topic topic, List<LogRecord> records, List<ReadOnlyMemory<byte>> bodies, ref List<Rejection>? rejections)
    {
        try
        {
            records.Add(codec.Decode(data));
            bodies.Add(data);
        }
        catch (RecordFormatException ex)
        {
            (rejections ??= []).Add(new Rejection(RejectReason.Malformed, $"topic {topic}: {ex.Message}"));
        }
    }

    private static DecodedMessage Rejected(Topic? topic, RejectReason reason, string detail) =>
        new(topic, [], [new Rejection(reason, detail)]);
}
