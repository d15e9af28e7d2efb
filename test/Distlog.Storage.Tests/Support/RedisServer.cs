using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Distlog.Storage.Tests.Support;

/// <summary>
/// A private <c>redis-server</c> on a random loopback port with its own folder (append-only file on, so a stop
/// and start keeps the data, as a production Redis would). Never a shared one.
/// </summary>
internal sealed class RedisServer : IDisposable
{
    private static readonly string[] s_candidates = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"];
    private Process? _process;

    public RedisServer()
    {
        Folder = Path.Combine(Path.GetTempPath(), "distlog-redis-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            Port = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }

        Start();
    }

    public static string Executable => s_candidates.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("redis-server is not installed: run ./scripts/test.sh, which installs it (apt-get install redis-server)");

    public int Port { get; }

    public string Folder { get; }

    public string Address => $"127.0.0.1:{Port}";

    /// <summary>Starts the server and returns once it accepts connections (it says so on its output).</summary>
    public void Start()
    {
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Folder,
        };
        foreach (string arg in (string[])["--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
            "--dir", Folder, "--save", "", "--appendonly", "yes", "--appendfsync", "everysec", "--daemonize", "no", "--loglevel", "notice"])
        {
            start.ArgumentList.Add(arg);
        }

        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                ready.TrySetException(new InvalidOperationException("redis-server exited: " + string.Join("\n", output)));
                return;
            }

            output.Enqueue(e.Data);
            if (e.Data.Contains("Ready to accept connections", StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        };
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        if (!ready.Task.Wait(TimeSpan.FromSeconds(30)))
        {
            throw new TimeoutException("redis-server did not become ready: " + string.Join("\n", output));
        }
    }

    /// <summary>Stops the server the way an operator does (SIGTERM: it finishes its append-only file) and waits.</summary>
    public void Stop()
    {
        if (_process is null)
        {
            return;
        }

        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            kill.WaitForExit();
        }

        if (!_process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process.Dispose();
        _process = null;
    }

    public void Dispose()
    {
        Stop();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
