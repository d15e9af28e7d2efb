using System.Diagnostics;

namespace Distlog.Benchmarks;

/// <summary>Starts distlogd (built beside the harnesses) as its own process, as it is deployed.</summary>
internal static class DistlogdLauncher
{
    /// <summary>The distlogd to run: the one <c>DISTLOGD</c> names (bench/run sets it to distlogd published as it is
    /// deployed, with ReadyToRun code), else the one built beside the harnesses.</summary>
    public static string Executable => Environment.GetEnvironmentVariable("DISTLOGD") is { Length: > 0 } path ? path : Path.Combine(AppContext.BaseDirectory, "distlogd");

    /// <summary>Starts distlogd on <paramref name="config"/> and waits for its summary line (a minute at most).</summary>
    /// <param name="config">The configuration file.</param>
    /// <param name="log">Given every other line it prints (stdout and stderr); null: they are dropped.</param>
    /// <returns>The process and its summary line.</returns>
    public static (Process Process, string Summary) Start(string config, Action<string>? log = null)
    {
        var start = new ProcessStartInfo(Executable) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("--config");
        start.ArgumentList.Add(config);
        var process = Process.Start(start)!;
        using var started = new ManualResetEventSlim();
        string? summary = null;
        process.OutputDataReceived += (_, e) =>
        {
            if (summary is null && e.Data?.StartsWith("distlogd: listening on ", StringComparison.Ordinal) == true)
            {
                summary = e.Data;
                started.Set();
            }
            else if (e.Data is not null)
            {
                log?.Invoke(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                log?.Invoke(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!started.Wait(TimeSpan.FromSeconds(60)))
        {
            process.Kill();
            throw new InvalidOperationException("distlogd did not start");
        }

        return (process, summary!);
    }
}
