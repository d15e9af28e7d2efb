namespace Distlog.Protocol;

/// <summary>One rejected message or record.</summary>
/// <param name="Reason">The kind of rejection, for counting.</param>
/// <param name="Detail">What exactly was wrong, for the report.</param>
internal readonly record struct Rejection(RejectReason Reason, string Detail);
