namespace Distlog;

/// <summary>What a log call does when the send queue is full.</summary>
public enum OverflowPolicy
{
    /// <summary>Drop the new record and count it; the count reaches the daemon as a record of its own. The default.</summary>
    DropNewest,

    /// <summary>Wait for room, at most <see cref="DistlogOptions.BlockTimeout"/>; then drop and count as with <see cref="DropNewest"/>.</summary>
    Block,
}
