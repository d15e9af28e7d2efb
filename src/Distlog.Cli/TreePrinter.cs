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
        PrintScope(output, tree.Root, style, maxDepth, string.Empty, isRoot: true);
        if (tree.Truncated)
        {
            output.WriteLine(style.Dim($"(only the first {tree.RecordCount} records: raise --limit for the rest)"));
        }
    }

    private static void PrintScope(TextWriter output, TaskScope scope, Style style, int maxDepth, string indent, bool isRoot)
    {
        output.WriteLine(indent + Header(scope, style, isRoot));
        string inner = indent + "  ";
        if (scope.Depth >= maxDepth)
        {
            int records = CountRecords(scope) - (scope.Enter is null ? 0 : 1);
            int subtasks = CountScopes(scope) - 1;
            if (records + subtasks > 0)
            {
                output.WriteLine(inner + style.Dim($"[+ {Plural(records, "record")}, {Plural(subtasks, "subtask")} folded]"));
            }

            return;
        }

        var gaps = scope.Gaps.ToDictionary(g => g.Before);
        if (scope.Gaps.Count > 0 && scope.Gaps[0].After < 0)
        {
            output.WriteLine(inner + Missing(scope.Gaps[0], style));
        }

        foreach (var item in Items(scope))
        {
            if (item.Record is { } record)
            {
                long seq = record.Record.Context!.ParsedKey!.Value.Seq;
                if (gaps.TryGetValue(seq, out var gap) && gap.After >= 0)
                {
                    output.WriteLine(inner + Missing(gap, style));
                }

                output.WriteLine(inner + style.Line(record.Record).Replace(Environment.NewLine, Environment.NewLine + inner, StringComparison.Ordinal));
            }
            else
            {
                PrintScope(output, item.Child!, style, maxDepth, inner, isRoot: false);
            }
        }
    }

    /// <summary>The scope's records (but the one that opened it) and its subtasks, by time; a subtask whose records
    /// are all missing goes last.</summary>
    private static List<(StoredRecord? Record, TaskScope? Child)> Items(TaskScope scope)
    {
        var records = scope.Records.Where(r => !ReferenceEquals(r, scope.Enter)).Select(r => (Time: r.Record.Created, Order: 0, Item: ((StoredRecord?)r, (TaskScope?)null)));
        var children = scope.Children.Select(c => (Time: FirstTime(c), Order: 1, Item: ((StoredRecord?)null, (TaskScope?)c)));

        // Stable sort: records keep their seq order, subtasks their number order.
        return records.Concat(children).OrderBy(x => x.Time).ThenBy(x => x.Order).Select(x => x.Item).ToList();
    }

    private static double FirstTime(TaskScope scope)
    {
        double first = double.PositiveInfinity;
        foreach (var record in scope.Records)
        {
            first = Math.Min(first, record.Record.Created);
        }

        foreach (var child in scope.Children)
        {
            first = Math.Min(first, FirstTime(child));
        }

        return first;
    }

    private static string Header(TaskScope scope, Style style, bool isRoot)
    {
        string title = scope.Enter?.Record.Message ?? style.Dim("(its opening record is missing)");
        string status = scope.Status switch
        {
            TaskBoundary.Succeeded => style.Color ? "\u001b[32msucceeded\u001b[0m" : "succeeded",
            TaskBoundary.Failed => style.Color ? "\u001b[31mfailed\u001b[0m" : "failed",
            var other => style.Color ? $"\u001b[33m{other}\u001b[0m" : other,
        };
        string duration = scope.ElapsedMs is { } ms ? ", " + Duration(ms) : string.Empty;
        var where = scope.Records.Select(r => $"{r.Record.Service ?? r.Record.ProcessName ?? "?"}@{r.Record.Hostname ?? "?"}").Distinct().ToList();
        string place = isRoot || scope.IsImported ? "  " + string.Join(", ", where) + (scope.IsImported ? " (imported)" : string.Empty) : string.Empty;
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

    private static int CountRecords(TaskScope scope) => scope.Records.Count + scope.Children.Sum(CountRecords);

    private static int CountScopes(TaskScope scope) => 1 + scope.Children.Sum(CountScopes);

    private static string Plural(int n, string word) => n == 1 ? $"1 {word}" : $"{n} {word}s";
}
