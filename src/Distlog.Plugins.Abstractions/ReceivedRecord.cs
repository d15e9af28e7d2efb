using Distlog.Protocol;

namespace Distlog.Plugins;

/// <summary>A record as the daemon received it.</summary>
/// <remarks>
/// A JSON record is not decoded on arrival: the daemon checks it (so that <see cref="Record"/> cannot fail), reads
/// its <see cref="Summary"/>, and decodes the rest the first time a plugin reads <see cref="Record"/>. A plugin that
/// routes by the summary and stores <see cref="Body"/> never pays for decoding. Safe to read from several threads.
/// </remarks>
public sealed class ReceivedRecord
{
    private LogRecord? _record;

    /// <summary>A record already decoded (or built).</summary>
    /// <param name="system">The topic's system byte: <c>P</c>, <c>S</c> or <c>T</c>.</param>
    /// <param name="record">The record.</param>
    /// <param name="receivedAt">When the daemon received it.</param>
    public ReceivedRecord(char system, LogRecord record, DateTimeOffset receivedAt)
    {
        ArgumentNullException.ThrowIfNull(record);
        System = system;
        _record = record;
        Summary = RecordSummary.Of(record);
        ReceivedAt = receivedAt;
    }

    /// <summary>A record received as bytes and decoded when <see cref="Record"/> is first read.</summary>
    /// <param name="system">The topic's system byte.</param>
    /// <param name="summary">Its routing fields, as read by <see cref="JsonRecordCodec.Scan"/>.</param>
    /// <param name="body">The record's bytes.</param>
    /// <param name="encoding">The encoding of <paramref name="body"/> (a <see cref="Topic"/> encoding byte with a codec).</param>
    /// <param name="receivedAt">When the daemon received it.</param>
    public ReceivedRecord(char system, RecordSummary summary, ReadOnlyMemory<byte> body, byte encoding, DateTimeOffset receivedAt)
    {
        System = system;
        Summary = summary;
        Body = body;
        Encoding = encoding;
        ReceivedAt = receivedAt;
    }

    /// <summary>The topic's system byte: <c>P</c>, <c>S</c> or <c>T</c>.</summary>
    public char System { get; }

    /// <summary>The fields the record is routed by (logger, level, time, host, service, task), read without decoding it.</summary>
    public RecordSummary Summary { get; }

    /// <summary>The decoded record; decoded on first use when the record came as bytes.</summary>
    /// <remarks>Never throws: the daemon accepted only bytes that decode. Should a plugin hand in bytes that do
    /// not, the record holds the summary's fields and an <c>distlog_decode_error</c> field saying why.</remarks>
    public LogRecord Record => Volatile.Read(ref _record) ?? DecodeBody();

    /// <summary>Whether <see cref="Record"/> is built already.</summary>
    internal bool IsDecoded => Volatile.Read(ref _record) is not null;

    /// <summary>When the daemon received it.</summary>
    public DateTimeOffset ReceivedAt { get; }

    /// <summary>The record as it arrived, in <see cref="Encoding"/> (empty when the record was built, not received).
    /// A plugin that stores the same encoding may write these bytes instead of encoding <see cref="Record"/> again.</summary>
    public ReadOnlyMemory<byte> Body { get; init; }

    private string? _deliveryId;

    /// <summary>
    /// The record's identity across deliveries, for records of an acknowledged client (<c>{instance}/{batch}/{index}</c>):
    /// after a crash distlogd hands a plugin again what it may already have stored, with the same identity, so a store
    /// that keeps it as a unique key stores every record once. Null for records without one (at-most-once clients).
    /// </summary>
    public string? DeliveryId
    {
        // Made when a plugin first asks (most never do): a string a record is a cost on distlogd's receiving thread.
        get => _deliveryId ??= DeliveryInstance is null ? null : string.Concat(DeliveryInstance, "/",
            DeliverySequence.ToString(global::System.Globalization.CultureInfo.InvariantCulture), "/", DeliveryIndex.ToString(global::System.Globalization.CultureInfo.InvariantCulture));
        init => _deliveryId = value;
    }

    /// <summary>The instance and sequence of the acknowledged message the record came in (its stamp), and its place
    /// there: what <see cref="DeliveryId"/> is made of.</summary>
    internal string? DeliveryInstance { get; init; }

    internal long DeliverySequence { get; init; }

    internal int DeliveryIndex { get; init; }

    /// <summary>Where the record's message is in distlogd's journal; -1 when it is not journaled.</summary>
    internal long JournalPosition { get; init; } = -1;

    /// <summary>The topic's encoding byte of <see cref="Body"/> (<see cref="Topic.EncodingJson"/>, …); 0 when there is no body.</summary>
    public byte Encoding { get; init; }

    private LogRecord DecodeBody()
    {
        LogRecord decoded;
        try
        {
            decoded = (RecordCodecs.ForEncoding(Encoding) ?? throw new RecordFormatException($"no codec for encoding '{(char)Encoding}'")).Decode(Body);
        }
        catch (RecordFormatException ex)
        {
            decoded = Summary.ToRecord();
            decoded.Extra = [new("distlog_decode_error", ex.Message)];
        }

        // Two threads may decode at once; both get the first record stored.
        return Interlocked.CompareExchange(ref _record, decoded, null) ?? decoded;
    }
}
