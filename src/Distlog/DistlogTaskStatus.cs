namespace Distlog;

/// <summary>Where a <see cref="DistlogTask"/> is: its exit record says <c>succeeded</c> or <c>failed</c> as
/// <c>task.status</c> on the wire.</summary>
public enum DistlogTaskStatus
{
    /// <summary>Entered, not left yet.</summary>
    Running,

    /// <summary>Left without an exception.</summary>
    Succeeded,

    /// <summary>Left by an exception, or marked with <see cref="DistlogTask.Fail"/>.</summary>
    Failed,
}
