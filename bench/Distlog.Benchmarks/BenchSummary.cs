using System.Globalization;

namespace Distlog.Benchmarks;

/// <summary>
/// One row of bench/run's table of goals: printed, and appended to the file <c>BENCH_SUMMARY</c> names, from which
/// bench/run prints every harness's rows as one table at the end.
/// </summary>
internal static class BenchSummary
{
    public const string Header = "| goal | distlog | peer, same run | ratio | target | |\n|---|---:|---:|---:|---|---|";

    /// <param name="goal">What is measured.</param>
    /// <param name="distlog">distlog's figure, with its unit.</param>
    /// <param name="peer">The peer's figure in the same run, with its name; "—" without one.</param>
    /// <param name="ratio">distlog against the peer (or the figure the target is on).</param>
    /// <param name="target">The goal, e.g. "≥ 1.5x".</param>
    /// <param name="met">Whether it is met; null when the run was incomplete.</param>
    public static void Report(string goal, string distlog, string peer, string ratio, string target, bool? met)
    {
        string line = $"| {goal} | {distlog} | {peer} | {ratio} | {target} | {(met is null ? "incomplete" : met.Value ? "met" : "**not met**")} |";
        Console.WriteLine("goal " + line);
        if (Environment.GetEnvironmentVariable("BENCH_SUMMARY") is { Length: > 0 } path)
        {
            File.AppendAllText(path, line + "\n");
        }
    }

    public static string Rate(double perSecond) => double.IsNaN(perSecond) ? "—" : perSecond.ToString("N0", CultureInfo.InvariantCulture) + "/s";

    public static string Ratio(double ratio) => double.IsNaN(ratio) ? "—" : ratio.ToString("0.00", CultureInfo.InvariantCulture) + "x";

    public static string Micros(double us) => double.IsNaN(us) ? "—" : us.ToString("0.00", CultureInfo.InvariantCulture) + " µs";

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 || sorted.Any(double.IsNaN) ? double.NaN : sorted[sorted.Count / 2];
    }
}
