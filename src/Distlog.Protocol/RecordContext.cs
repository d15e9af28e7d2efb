namespace Distlog.Protocol;

/// <summary>The <c>context</c> field of a record: the task key and the innermost task's data.</summary>
/// <param name="Key">The <c>{seq}@{id}</c> key (see <see cref="TaskKey"/>); <see langword="null"/> when a peer sent a context without one.</param>
/// <param name="Data">The task's key/value data, in order, without the key.</param>
public sealed record RecordContext(string? Key, IReadOnlyList<KeyValuePair<string, object?>> Data)
{
    /// <summary>The parsed <see cref="Key"/>, or <see langword="null"/> when it is absent or malformed.</summary>
    public TaskKey? ParsedKey => TaskKey.TryParse(Key, out var key) ? key : null;
}
