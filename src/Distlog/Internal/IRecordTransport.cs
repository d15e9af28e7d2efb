namespace Distlog.Internal;

/// <summary>Where the sender hands encoded messages: a ZeroMQ PUSH socket, NetMQ's or libzmq's
/// (<see cref="DistlogOptions.Transport"/>); the seam where acknowledgements and a disk spool will go.</summary>
/// <remarks>Used only by the sender thread, which creates it.</remarks>
internal interface IRecordTransport : IDisposable
{
    /// <summary>Hands one message <c>[topic, body]</c>, or <c>[topic, body, stamp]</c> for acknowledged delivery, over
    /// without waiting.</summary>
    /// <returns><see langword="false"/> when the transport cannot take it now (no peer, or its buffer is full).</returns>
    /// <remarks>With a <paramref name="stamp"/>, a <paramref name="body"/> of exactly <paramref name="length"/> bytes
    /// is the sender's to keep, never written again: the transport may hold on to it instead of copying it.</remarks>
    bool TrySend(byte[] topic, byte[] body, int length, byte[]? stamp = null);

    /// <summary>Gives the transport at most <paramref name="linger"/> to deliver what it holds, then closes it.</summary>
    void Close(TimeSpan linger);
}
