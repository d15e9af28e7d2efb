using System.Diagnostics;

namespace Distlog.Tests.Shared;

/// <summary>Runs one of the programs built beside the tests (the peer, the tutorial, distlogd) as a real OS
/// process and waits for it, at most a minute. Compiled into each test project.</summary>
internal static class ChildProcess
{
    public static (int ExitCode, string Stdout, string Stderr) Run(string assemblyName, params string[] args) =>
        RunDll(Path.Combine(AppContext.BaseDirectory, assemblyName + ".dll"), args);

    /// <summary>As <see cref="Run"/>, for a program built elsewhere.</summary>
    public static (int ExitCode, string Stdout, string Stderr) RunDll(string dll, params string[] args)
    {
        string assemblyName = Path.GetFileNameWithoutExtension(dll);
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{assemblyName} did not exit within 60 s");
        }

        return (process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }
}
