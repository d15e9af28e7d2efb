namespace Distlog;

/// <summary>The system a process logs for: the topic's first byte, by which distlogd and its subscribers filter
/// (<c>system: P</c> in a plugin's <c>match:</c>, a rule's <c>system</c>). The value is the byte sent.</summary>
public enum DistlogSystem
{
    /// <summary><c>P</c>, the default.</summary>
    Production = 'P',

    /// <summary><c>S</c>.</summary>
    Staging = 'S',

    /// <summary><c>T</c>.</summary>
    Test = 'T',
}
