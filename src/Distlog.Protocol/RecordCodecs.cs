namespace Distlog.Protocol;

/// <summary>Finds the codec for a topic's encoding byte.</summary>
public static class RecordCodecs
{
    /// <summary>The default codec for <paramref name="encoding"/>, or <see langword="null"/> for pickle and unknown bytes.</summary>
    public static IRecordCodec? ForEncoding(byte encoding) => encoding switch
    {
        Topic.EncodingJson => JsonRecordCodec.Default,
        Topic.EncodingMessagePack => MessagePackRecordCodec.Default,
        _ => null,
    };
}
