using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Distlog.Tests.Shared;

/// <summary>
/// A private Redis Cluster on loopback: <c>redis-server --cluster-enabled yes</c> masters on random ports, each in its
/// own folder, joined by <c>redis-cli --cluster create</c> (which gives each master an equal range of the 16384
/// slots), and waited for until every node says <c>cluster_state:ok</c>. Killed and deleted on dispose.
/// </summary>
internal sealed class RedisCluster : IDisposable
{
    private readonly List<Process> _servers = [];
    private readonly string _folder = Directory.CreateTempSubdirectory("distlog-redis-cluster-").FullName;

    public RedisCluster(int masters = 3)
    {
        try
        {
            var ports = FreePorts(masters);
            foreach (int port in ports)
            {
                _servers.Add(StartNode(port));
            }

            Nodes = [.. ports.Select(p => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{p}"))];
            var (code, output) = Run("redis-cli", ["--cluster", "create", .. Nodes, "--cluster-replicas", "0", "--cluster-yes"]);
            if (code != 0)
            {
                throw new InvalidOperationException("redis-cli --cluster create failed: " + output);
            }

            foreach (int port in ports)
            {
                Wait.Until(
                    () => Run("redis-cli", ["-p", port.ToString(CultureInfo.InvariantCulture), "cluster", "info"]).Output.Contains("cluster_state:ok", StringComparison.Ordinal),
                    () => $"the cluster node on port {port} to say cluster_state:ok",
                    TimeSpan.FromSeconds(60));
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The masters' addresses, host:port.</summary>
    public IReadOnlyList<string> Nodes { get; } = [];

    /// <summary>A StackExchange.Redis configuration naming every master.</summary>
    public string Configuration => string.Join(",", Nodes);

    private Process StartNode(int port)
    {
        string dir = Path.Combine(_folder, port.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(dir);
        var start = new ProcessStartInfo(File.Exists("/usr/bin/redis-server") ? "/usr/bin/redis-server" : "redis-server")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = dir,
        };
        foreach (string arg in (string[])["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", dir,
            "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--save", "", "--appendonly", "no", "--daemonize", "no"])
        {
            start.ArgumentList.Add(arg);
        }

        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                ready.TrySetException(new InvalidOperationException($"redis-server on port {port} exited"));
            }
            else if (e.Data.Contains("Ready to accept connections", StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!ready.Task.Wait(TimeSpan.FromSeconds(30)))
        {
            process.Kill();
            throw new TimeoutException($"redis-server on port {port} did not become ready");
        }

        return process;
    }

    /// <summary>Ports whose cluster bus port (+10000) is free too.</summary>
    private static List<int> FreePorts(int count)
    {
        var ports = new List<int>();
        while (ports.Count < count)
        {
            int port = Random.Shared.Next(20_000, 40_000);
            if (!ports.Contains(port) && IsFree(port) && IsFree(port + 10_000))
            {
                ports.Add(port);
            }
        }

        return ports;
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            probe.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static (int Code, string Output) Run(string program, string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill();
            throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish within 60 s");
        }

        return (process.ExitCode, stdout + stderr.Result);
    }

    public void Dispose()
    {
        foreach (var server in _servers)
        {
            try
            {
                server.Kill();
                server.WaitForExit(TimeSpan.FromSeconds(30));
            }
            catch (InvalidOperationException)
            {
            }

            server.Dispose();
        }

        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
