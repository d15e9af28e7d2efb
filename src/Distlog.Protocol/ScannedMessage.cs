namespace Distlog.Protocol;

/// <summary>What <see cref="MessageDecoder.Scan(IReadOnlyList{byte[]}, int, IRecordCodec?)"/> (or its overload for
/// memory frames) made of one ZeroMQ message.</summary>
/// <param name="Topic">The topic, when the topic frame was valid.</param>
/// <param name="Records">Every record that was accepted, in order.</param>
/// <param name="Rejections">Every rejection, in order.</param>
internal sealed record ScannedMessage(Topic? Topic, IReadOnlyList<ScannedRecord> Records, IReadOnlyList<Rejection> Rejections);

/// <summary>One accepted record of a <see cref="ScannedMessage"/>.</summary>
/// <param name="Summary">Its routing fields.</param>
/// <param name="Body">Its bytes, in the topic's encoding.</param>
/// <param name="Record">The record, when it was decoded (encodings other than JSON); <see langword="null"/> for a
/// JSON record, which <see cref="JsonRecordCodec.Decode"/> turns into one when asked.</param>
internal readonly record struct ScannedRecord(RecordSummary Summary, ReadOnlyMemory<byte> Body, LogRecord? Record);
