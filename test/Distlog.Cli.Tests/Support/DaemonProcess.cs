using System.Text.RegularExpressions;
using Distlog.Protocol;
using Distlog.Tests.Shared;

namespace Distlog.Cli.Tests;

/// <summary>distlogd as a real process with <see cref="LevelDaemon.Yaml"/>'s configuration; killed (SIGKILL) and
/// started again on the same endpoints, folder and rules file, as after a crash.</summary>
internal sealed partial class DaemonProcess : IDisposable
{
    private readonly string _folder;
    private readonly ChildProcess.Running _process;

    private DaemonProcess(string folder, ChildProcess.Running process, string summary, IReadOnlyList<string> before)
    {
        StartLog = before;
        _folder = folder;
        _process = process;
        var match = Summary().Match(summary);
        if (!match.Success)
        {
            throw new InvalidOperationException("distlogd's first line is not its summary: " + summary);
        }

        Endpoint = match.Groups["listen"].Value;
        ControlEndpoint = match.Groups["control"].Value;
        ViewerAddress = match.Groups["viewer"].Value;
    }

    public string Endpoint { get; }

    public string ControlEndpoint { get; }

    public string ViewerAddress { get; }

    /// <summary>What it logged before its summary line (a replayed journal, a cut torn entry).</summary>
    public IReadOnlyList<string> StartLog { get; }

    /// <summary>Starts distlogd writing into <paramref name="folder"/>; given <paramref name="previous"/>, on its endpoints.</summary>
    public static DaemonProcess Start(string folder, DaemonProcess? previous = null)
    {
        string config = Path.Combine(folder, "distlogd.yaml");
        File.WriteAllText(config, LevelDaemon.Yaml(
            folder,
            previous?.Endpoint ?? "tcp://127.0.0.1:*",
            previous?.ControlEndpoint ?? "tcp://127.0.0.1:*",
            previous?.ViewerAddress ?? "http://127.0.0.1:0"));
        var process = ChildProcess.Start(ChildProcess.ProjectDll("src/Distlog.Daemon", "distlogd"), "--config", config);
        try
        {
            // Its log (a replayed journal, say) may come before the summary.
            var before = new List<string>();
            string line = process.ReadLine();
            while (!line.StartsWith("distlogd: listening", StringComparison.Ordinal) && before.Count < 20)
            {
                before.Add(line);
                line = process.ReadLine();
            }

            return new DaemonProcess(folder, process, line, before);
        }
        catch
        {
            process.Dispose();
            throw;
        }
    }

    /// <summary>Reads what it logs after its summary until a line contains <paramref name="text"/>; that line.</summary>
    public string WaitForLine(string text)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            string line = _process.ReadLine();
            if (line.Contains(text, StringComparison.Ordinal))
            {
                return line;
            }
        }

        throw new TimeoutException($"distlogd logged no line with '{text}' within 60 s");
    }

    public List<LogRecord> Records() => RecordFile.Read(Path.Combine(_folder, "records.jsonl"));

    /// <summary>Kills it with SIGKILL and waits for it to be gone.</summary>
    public void Dispose() => _process.Dispose();

    [GeneratedRegex(@"^distlogd: listening on (?<listen>\S+); sessions and level rules on (?<control>\S+); .*; viewer: (?<viewer>http://[^;\s]+)")]
    private static partial Regex Summary();
}
