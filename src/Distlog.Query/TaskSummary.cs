using Distlog.Protocol;

namespace Distlog.Query;

/// <summary>
/// One root task at a glance, as the viewer's task list shows it: what it is (the message of its root scope's enter
/// record, else its first message), how it ended (<c>succeeded</c>, <c>failed</c> or <c>running</c>, from the root
/// scope's exit record), when it started, how many records, errors (level ERROR or above) and missing records
/// (<c>seq</c> gaps) it has, and the services and hosts it ran on (sorted). Records are counted once per key.
/// </summary>
public sealed record TaskSummary(
    string RootId,
    string? Title,
    string Status,
    double Started,
    double? ElapsedMs,
    long Records,
    long Errors,
    long Gaps,
    IReadOnlyList<string> Services,
    IReadOnlyList<string> Hostnames)
{
    /// <summary>The summary of a task read whole: the definition that a store's own summary query must agree with.</summary>
    public static TaskSummary Of(TaskTree tree)
    {
        ArgumentNullException.ThrowIfNull(tree);
        var root = tree.Root;
        var all = tree.Scopes.SelectMany(s => s.Records).ToList();
        return new TaskSummary(
            tree.RootId,
            root.Enter?.Record.Message ?? all.OrderBy(r => r.Record.Created).Select(r => r.Record.Message).FirstOrDefault(),
            root.Status,
            all.Count == 0 ? 0 : all.Min(r => r.Record.Created),
            root.ElapsedMs,
            tree.RecordCount,
            all.Count(r => r.Record.LevelNo >= Levels.Error),
            tree.Gaps.Sum(g => g.Gap.Missing),
            Sorted(all.Select(r => r.Record.Service)),
            Sorted(all.Select(r => r.Record.Hostname)));
    }

    private static List<string> Sorted(IEnumerable<string?> names) =>
        names.OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
}
