namespace Distlog.Protocol;

/// <summary>
/// Turns one received ZeroMQ message into records: checks the frames and the topic, refuses pickle, splits batches
/// and decodes (<see cref="Decode"/>) or checks (<see cref="Scan(IReadOnlyList{byte[]}, int, IRecordCodec?)"/>)
/// every record, keeping each valid record and describing each failure.
/// </summary>
/// <remarks>Thread-safe. Never throws because of the bytes it is given, whatever they are.</remarks>
internal static class MessageDecoder
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
        var scanned = Read(frames, maxBodyBytes, pickle, materialize: true);
        var records = new List<LogRecord>(scanned.Records.Count);
        var bodies = new List<ReadOnlyMemory<byte>>(scanned.Records.Count);
        foreach (var entry in scanned.Records)
        {
            records.Add(entry.Record!);
            bodies.Add(entry.Body);
        }

        return new DecodedMessage(scanned.Topic, records, scanned.Rejections) { Bodies = bodies };
    }

    /// <summary>
    /// Checks one message as <see cref="Decode"/> does, rejecting exactly what it rejects, but leaves JSON records
    /// undecoded: each comes with its <see cref="RecordSummary"/> and its bytes, to be decoded when needed (which
    /// cannot fail for a record this accepted). Records in other encodings are decoded.
    /// </summary>
    /// <inheritdoc cref="Decode" path="/param"/>
    public static ScannedMessage Scan(IReadOnlyList<byte[]> frames, int maxBodyBytes = DefaultMaxBodyBytes, IRecordCodec? pickle = null) =>
        Read(frames, maxBodyBytes, pickle, materialize: false);

    /// <summary>
    /// <see cref="Scan(IReadOnlyList{byte[]}, int, IRecordCodec?)"/> for frames held as memory (a receiver that takes
    /// the transport's buffers instead of copying them): records' bodies are slices of <paramref name="frames"/>.
    /// </summary>
    /// <inheritdoc cref="Decode" path="/param"/>
    public static ScannedMessage Scan(IReadOnlyList<ReadOnlyMemory<byte>> frames, int maxBodyBytes = DefaultMaxBodyBytes, IRecordCodec? pickle = null)
    {
        ArgumentNullException.ThrowIfNull(frames);
        return Read(frames.Count, frames.Count > 0 ? frames[0] : default, frames.Count > 1 ? frames[1] : default, maxBodyBytes, pickle, materialize: false);
    }

    private static ScannedMessage Read(IReadOnlyList<byte[]> frames, int maxBodyBytes, IRecordCodec? pickle, bool materialize)
    {
        ArgumentNullException.ThrowIfNull(frames);
        return Read(frames.Count, frames.Count > 0 ? frames[0] : default, frames.Count > 1 ? frames[1] : default, maxBodyBytes, pickle, materialize);
    }

    private static ScannedMessage Read(int frameCount, ReadOnlyMemory<byte> topicFrame, ReadOnlyMemory<byte> body, int maxBodyBytes, IRecordCodec? pickle, bool materialize)
    {
        if (frameCount != 2)
        {
            return Rejected(null, RejectReason.FrameCount, $"expected 2 frames [topic, body], got {frameCount}");
        }

        if (!Topic.TryParse(topicFrame.Span, out var topic, out string? topicError))
        {
            return Rejected(null, RejectReason.Topic, topicError!);
        }

        if (topic.Encoding == Topic.EncodingPickle && pickle is null)
        {
            return Rejected(topic, RejectReason.Pickle, $"topic {topic}: pickle is never unpickled from the network; configure the client for JSON");
        }

        if (body.Length > maxBodyBytes)
        {
            return Rejected(topic, RejectReason.TooLarge, $"topic {topic}: body of {body.Length} bytes exceeds the limit of {maxBodyBytes}");
        }

        var codec = topic.Encoding == Topic.EncodingPickle ? pickle! : RecordCodecs.ForEncoding(topic.Encoding)!;
        bool scan = !materialize && topic.Encoding == Topic.EncodingJson;
        var records = new List<ScannedRecord>(topic.Kind == Topic.KindBatch ? 64 : 1);
        List<Rejection>? rejections = null;
        if (topic.Kind == Topic.KindRecord)
        {
            ReadOne(codec, scan, body, topic, records, ref rejections);
        }
        else
        {
            int offset = 0;
            string? batchError;
            while (BatchFormat.TryReadNext(body, ref offset, out var record, out batchError))
            {
                ReadOne(codec, scan, record, topic, records, ref rejections);
            }

            if (offset < body.Length)
            {
                (rejections ??= []).Add(new Rejection(RejectReason.DamagedBatch,
                    $"topic {topic}: {batchError} at byte {offset}; {records.Count} records before it were kept"));
            }
        }

        return new ScannedMessage(topic, records, rejections ?? (IReadOnlyList<Rejection>)[]);
    }

    private static void ReadOne(IRecordCodec codec, bool scan, ReadOnlyMemory<byte> data, Topic topic, List<ScannedRecord> records, ref List<Rejection>? rejections)
    {
        try
        {
            if (scan)
            {
                records.Add(new ScannedRecord(JsonRecordCodec.Scan(data.Span), data, null));
            }
            else
            {
                var record = codec.Decode(data);
                records.Add(new ScannedRecord(RecordSummary.Of(record), data, record));
            }
        }
        catch (RecordFormatException ex)
        {
            (rejections ??= []).Add(new Rejection(RejectReason.Malformed, $"topic {topic}: {ex.Message}"));
        }
    }

    private static ScannedMessage Rejected(Topic? topic, RejectReason reason, string detail) =>
        new(topic, [], [new Rejection(reason, detail)]);
}
