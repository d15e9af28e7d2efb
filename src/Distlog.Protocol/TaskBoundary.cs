namespace Distlog.Protocol;

/// <summary>
/// Marks a task's enter or exit record (the <c>task</c> field, a distlog for .NET addition):
/// what happened, the task's status and, on exit, how long it ran.
/// </summary>
/// <param name="Event"><c>enter</c> or <c>exit</c>.</param>
/// <param name="Status"><c>running</c> on enter; <c>succeeded</c> or <c>failed</c> on exit.</param>
/// <param name="ElapsedMs">Milliseconds from enter to exit; <see langword="null"/> on enter.</param>
public sealed record TaskBoundary(string Event, string Status, double? ElapsedMs)
{
    /// <summary>The enter event.</summary>
    public const string Enter = "enter";

    /// <summary>The exit event.</summary>
    public const string Exit = "exit";

    /// <summary>Status of a task that has entered and not exited.</summary>
    public const string Running = "running";

    /// <summary>Status of a task that exited normally.</summary>
    public const string Succeeded = "succeeded";

    /// <summary>Status of a task that exited by an exception.</summary>
    public const string Failed = "failed";
}
