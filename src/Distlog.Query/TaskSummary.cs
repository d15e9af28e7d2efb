using Distlog.Protocol;

namespace Distlog.Query;

/// <summary>
/// One root task at a glance, as the viewer's task list shows it: what it is (the message of its root scope's enter
/// record, else its first message), how it ended (<c>succeeded</c>, <c>failed</c> or <c>running</c>, from the root
/// scope's exit record, and <see cref="SucceededWithErrors"/> for a task that succeeded although something in it
/// logged an error or failed), when it started and when its newest record was logged (<c>Last</c>: the next page
/// of a list asks for tasks before the oldest of these), how many records, errors (level ERROR or above), warnings
/// (WARNING up to ERROR) and missing records (<c>seq</c> gaps) it has, and the services
/// (<see cref="TaskScope.ServiceOf"/>) and hosts it ran on (sorted). Records are counted once per key.
/// </summary>
public sealed record TaskSummary(
    string RootId,
    string? Title,
    string Status,
    double Started,
    double Last,
    double? ElapsedMs,
    long Records,
    long Errors,
    long Warnings,
    long Gaps,
    IReadOnlyList<string> Services,
    IReadOnlyList<string> Hostnames)
{
    /// <summary>The status of a task whose root succeeded while a record at ERROR or above, or a failed subtask,
    /// is inside it.</summary>
    public const string SucceededWithErrors = "succeeded with errors";

    /// <summary>The status a task list shows: the root's, told apart when errors happened inside a success.</summary>
    public static string StatusOf(string rootStatus, long errors) =>
        rootStatus == TaskBoundary.Succeeded && errors > 0 ? SucceededWithErrors : rootStatus;

    /// <summary>The summary of a task read whole: the definition that a store's own summary query must agree with.</summary>
    public static TaskSummary Of(TaskTree tree)
    {
        ArgumentNullException.ThrowIfNull(tree);
        var root = tree.Root;
        var all = tree.Scopes.SelectMany(s => s.Records).ToList();
        long errors = all.Count(r => r.Outline.Level >= Levels.Error);
        return new TaskSummary(
            tree.RootId,
            root.Enter?.Record.Message ?? all.OrderBy(r => r.Outline.Created).Select(r => r.Record.Message).FirstOrDefault(),
            StatusOf(root.Status, errors),
            all.Count == 0 ? 0 : all.Min(r => r.Outline.Created),
            all.Count == 0 ? 0 : all.Max(r => r.Outline.Created),
            root.ElapsedMs,
            tree.RecordCount,
            errors,
            all.Count(r => r.Outline.Level is >= Levels.Warning and < Levels.Error),
            tree.Gaps.Sum(g => g.Gap.Missing),
            Sorted(all.Select(TaskScope.ServiceOfStored)),
            Sorted(all.Select(r => r.Outline.Hostname)));
    }

    private static List<string> Sorted(IEnumerable<string?> names) =>
        names.OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
}
