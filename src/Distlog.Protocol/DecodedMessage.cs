namespace Distlog.Protocol;

/// <summary>What <see cref="MessageDecoder.Decode"/> made of one ZeroMQ message: the records it holds and what it
/// rejected. A batch can yield both.</summary>
/// <param name="Topic">The topic, when the topic frame was valid.</param>
/// <param name="Records">Every record that decoded, in order.</param>
/// <param name="Rejections">Every rejection, in order.</param>
internal sealed record DecodedMessage(Topic? Topic, IReadOnlyList<LogRecord> Records, IReadOnlyList<Rejection> Rejections)
{
    /// <summary>The encoded bytes of each record in <see cref="Records"/>, in the topic's encoding (empty when unknown).</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> Bodies { get; init; } = [];
}
