using System.Globalization;

namespace Distlog.Protocol;

/// <summary>
/// A record's place in the task tree: <c>{seq}@{id}</c>, where <c>id</c> is a root UUID followed by one
/// <c>/n</c> per level of subtask (<c>e252…/2/1</c>) and <c>seq</c> numbers the records of that scope from 0.
/// </summary>
public readonly record struct TaskKey
{
    private TaskKey(long seq, string scopeId)
    {
        Seq = seq;
        ScopeId = scopeId;
    }

    /// <summary>The record's number inside its innermost scope; 0 is the scope's enter record.</summary>
    public long Seq { get; }

    /// <summary>The innermost scope's id, e.g. <c>e252a11f-…/1</c>.</summary>
    public string ScopeId { get; }

    /// <summary>The root task's id: the part of <see cref="ScopeId"/> before the first <c>/</c>.</summary>
    public string RootId
    {
        get
        {
            int slash = ScopeId.IndexOf('/', StringComparison.Ordinal);
            return slash < 0 ? ScopeId : ScopeId[..slash];
        }
    }

    /// <summary>The parent scope's id, or <see langword="null"/> for a root task.</summary>
    public string? ParentId => ParentOf(ScopeId);

    /// <summary>How deep the scope is: 0 for a root task, 1 for its subtasks, and so on.</summary>
    public int Depth => ScopeId.AsSpan().Count('/');

    /// <summary>Creates a key from its parts.</summary>
    public static TaskKey Create(long seq, string scopeId)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(seq);
        ArgumentException.ThrowIfNullOrEmpty(scopeId);
        return new TaskKey(seq, scopeId);
    }

    /// <summary>The id of the scope that <paramref name="scopeId"/> is a subtask of, or <see langword="null"/>.</summary>
    public static string? ParentOf(string scopeId)
    {
        ArgumentNullException.ThrowIfNull(scopeId);
        int slash = scopeId.LastIndexOf('/');
        return slash < 0 ? null : scopeId[..slash];
    }

    /// <summary>Parses <c>{seq}@{id}</c>.</summary>
    public static bool TryParse(string? text, out TaskKey key)
    {
        key = default;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        int at = text.IndexOf('@', StringComparison.Ordinal);
        if (at <= 0 || at == text.Length - 1)
        {
            return false;
        }

        if (!long.TryParse(text.AsSpan(0, at), NumberStyles.None, CultureInfo.InvariantCulture, out long seq))
        {
            return false;
        }

        string id = text[(at + 1)..];
        if (id.StartsWith('/') || id.EndsWith('/') || id.Contains("//", StringComparison.Ordinal))
        {
            return false;
        }

        key = new TaskKey(seq, id);
        return true;
    }

    /// <inheritdoc/>
    public override string ToString() => Format(Seq, ScopeId);

    /// <summary>Formats <c>{seq}@{scopeId}</c>.</summary>
    public static string Format(long seq, string scopeId) =>
        string.Create(CultureInfo.InvariantCulture, $"{seq}@{scopeId}");
}
