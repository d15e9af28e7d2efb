using System.Globalization;
using Distlog.Protocol;
using Distlog.Query;

namespace Distlog.Cli;

/// <summary>
/// Prints a task tree: each scope a header (its opening message, status, duration, where it ran), then its records
/// and subtasks in the order they happened, indented by depth; gaps where records never arrived; scopes below
/// <c>depth</c> folded to one line.
/// </summary>
internal static class TreePrinter
{
    public static void Print(TextWriter output, TaskTree tree, Style style, int maxDepth)
    {
        PrintScope(output, tree.Root, style, maxDepth, string.Empty, isRoot: true, tree.Root.FirstTime, null);
        if (tree.Truncated)
        {
            output.WriteLine(style.Dim($"(only the first {tree.RecordCount} records: raise --limit for the rest)"));
        }
    }

    // origin: the root's start; each scope says when it began after it, as the viewer's waterfall draws it.
    private static void PrintScope(TextWriter output, TaskScope scope, Style style, int maxDepth, string indent, bool isRoot, double origin, TaskScope? parent)
    {
        output.WriteLine(indent + Header(scope, style, isRoot, origin, parent));
        string inner = indent + "  ";
        if (scope.Depth >= maxDepth)
        {
            int records = scope.TotalRecords - (scope.Enter is null ? 0 : 1);
            if (records + scope.TotalSubtasks > 0)
            {
                output.WriteLine(inner + style.Dim($"[+ {Plural(records, "record")}, {Plural(scope.TotalSubtasks, "subtask")} folded]"));
            }

            return;
        }

        foreach (var item in scope.Timeline)
        {
            if (item.Gap is { } gap)
            {
                output.WriteLine(inner + Missing(gap, style));
            }
            else if (item.Record is { } record)
            {
                output.WriteLine(inner + style.Line(record.Record).Replace(Environment.NewLine, Environment.NewLine + inner, StringComparison.Ordinal));
            }
            else
            {
                PrintScope(output, item.Scope!, style, maxDepth, inner, isRoot: false, origin, scope);
            }
        }
    }

    private static string Header(TaskScope scope, Style style, bool isRoot, double origin, TaskScope? parent)
    {
        string title = scope.Enter is { } enter ? Style.Visible(enter.Record.Message) : style.Dim("(its opening record is missing)");
        string status = scope.Status switch
        {
            TaskBoundary.Succeeded => style.Color ? "\u001b[32msucceeded\u001b[0m" : "succeeded",
            TaskBoundary.Failed => style.Color ? "\u001b[31mfailed\u001b[0m" : "failed",
            var other => style.Color ? $"\u001b[33m{other}\u001b[0m" : other,
        };
        string duration = scope.ElapsedMs is { } ms ? ", " + Duration(ms) : string.Empty;
        double start = scope.FirstTime;
        if (!isRoot && double.IsFinite(start) && double.IsFinite(origin))
        {
            duration += ", +" + Duration((start - origin) * 1000);
        }
        var where = scope.Records.Select(r => Style.Visible($"{TaskScope.ServiceOf(r.Record) ?? "?"}@{r.Record.Hostname ?? "?"}")).Distinct().ToList();
        // A piece another process ran: how long after its caller's subtask began it started (network, queue).
        string waited = scope.IsImported && parent is not null && double.IsFinite(parent.FirstTime) && double.IsFinite(start)
            ? $", {Duration(Math.Max(0, start - parent.FirstTime) * 1000)} after the call" : string.Empty;
        string place = isRoot || scope.IsImported ? "  " + string.Join(", ", where) + (scope.IsImported ? $" (imported{waited})" : string.Empty) : string.Empty;
        string id = isRoot ? "  " + style.Dim(scope.Id) : string.Empty;
        return $"{style.Bold("● " + title)}  [{status}{duration}]{place}{id}";
    }

    private static string Missing(SeqGap gap, Style style) =>
        style.Dim(gap.Missing == 1
            ? $"⋯ 1 record missing (seq {gap.After + 1})"
            : $"⋯ {gap.Missing} records missing (seq {gap.After + 1}–{gap.Before - 1})");

    public static string Duration(double ms) => ms switch
    {
        < 1 => ms.ToString("0.000", CultureInfo.InvariantCulture) + " ms",
        < 1000 => ms.ToString("0.0", CultureInfo.InvariantCulture) + " ms",
        < 60_000 => (ms / 1000).ToString("0.00", CultureInfo.InvariantCulture) + " s",
        _ => TimeSpan.FromMilliseconds(ms).ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture),
    };

    private static string Plural(int n, string word) => n == 1 ? $"1 {word}" : $"{n} {word}s";
}
