namespace Distlog;

/// <summary>Which ZeroMQ implementation carries records to the daemon. Both speak the same wire.</summary>
public enum DistlogTransport
{
    /// <summary>NetMQ, ZeroMQ in managed code: nothing to install.</summary>
    NetMQ,

    /// <summary>The native ZeroMQ library, libzmq (<c>apt-get install libzmq5</c> on Debian and Ubuntu): about half
    /// NetMQ's processor time per message sent, which matters most with one record per message
    /// (<see cref="DistlogOptions.MaxBatchBytes"/> 0). When libzmq cannot be loaded the provider says so once and
    /// sends through NetMQ.</summary>
    Libzmq,

    /// <summary>The default: libzmq when it loads, else NetMQ, quietly. Through libzmq the client spends about a
    /// fifth less processor time and allocates less than half as much a record, batched (bench/results: "Issue 18's
    /// goals"): NetMQ allocates and fills a new array for every message it sends.</summary>
    Auto,
}
