namespace Distlog.Protocol;

/// <summary>Why <see cref="MessageDecoder"/> rejected a message or a record in it; a daemon counts rejections by reason.</summary>
internal enum RejectReason
{
    /// <summary>Not two frames <c>[topic, body]</c>.</summary>
    FrameCount,

    /// <summary>The topic frame is not a known topic.</summary>
    Topic,

    /// <summary>Python pickle, which is never decoded: unpickling network data can run arbitrary code.</summary>
    Pickle,

    /// <summary>The body is larger than the configured limit.</summary>
    TooLarge,

    /// <summary>A record that does not decode (invalid JSON or MessagePack, wrong field types, too deep).</summary>
    Malformed,

    /// <summary>A batch whose framing is damaged: the records after the damage cannot be read.</summary>
    DamagedBatch,
}
