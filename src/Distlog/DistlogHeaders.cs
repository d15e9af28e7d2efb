namespace Distlog;

/// <summary>The names under which a foreign task id travels between processes.</summary>
public static class DistlogHeaders
{
    /// <summary>The HTTP header, and the message header for queues, that carries a foreign task id
    /// (<see cref="DistlogTask.GetForeignTask"/>): <c>X-Distlog-Task</c>.</summary>
    public const string Task = "X-Distlog-Task";
}
