using Distlog.Protocol;

namespace Distlog.Query;

/// <summary>Reads the ids a user may give for a task: a key (<c>3@id/1</c>), a scope id (<c>id/1</c>) or a root id.</summary>
public static class TaskIds
{
    /// <summary>The root task id of a key, scope id or root id.</summary>
    /// <exception cref="ArgumentException">The text is empty.</exception>
    public static string RootOf(string keyOrId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(keyOrId);
        string text = keyOrId.Trim();
        if (TaskKey.TryParse(text, out var key))
        {
            return key.RootId;
        }

        int slash = text.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? text : text[..slash];
    }

    /// <summary>Whether the scope <paramref name="id"/> is <paramref name="scopeId"/> or hangs below it.</summary>
    public static bool IsInScope(string? id, string scopeId)
    {
        ArgumentNullException.ThrowIfNull(scopeId);
        return id is not null && id.StartsWith(scopeId, StringComparison.Ordinal) && (id.Length == scopeId.Length || id[scopeId.Length] == '/');
    }
}
