using System.Diagnostics;

namespace Distlog.Tests.Shared;

/// <summary>Runs one of the programs built beside the tests (the peer, the tutorial, distlogd) as a real OS
/// process and waits for it, at most a minute. Compiled into each test project.</summary>
internal static class ChildProcess
{
    public static (int ExitCode, string Stdout, string Stderr) Run(string assemblyName, params string[] args) =>
        RunDll(Path.Combine(AppContext.BaseDirectory, assemblyName + ".dll"), args);

    /// <summary>
    /// Runs a program of this repository from its own output folder (the test project builds it through a reference
    /// that does not copy it), so it finds its own dependencies: a test folder that holds ASP.NET Core's framework
    /// (through distlogd's viewer) lacks the logging packages a plain console program brings.
    /// </summary>
    /// <param name="projectFolder">The project's folder from the repository root, e.g. <c>samples/Tutorial</c>.</param>
    /// <param name="assemblyName">The program's assembly name.</param>
    /// <param name="args">Its arguments.</param>
    public static (int ExitCode, string Stdout, string Stderr) RunProject(string projectFolder, string assemblyName, params string[] args) =>
        RunDll(ProjectDll(projectFolder, assemblyName), args);

    /// <summary>Where <see cref="RunProject"/> finds a program: its bin folder, in this test's configuration and framework.</summary>
    public static string ProjectDll(string projectFolder, string assemblyName)
    {
        var testFolder = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string framework = testFolder.Name, configuration = testFolder.Parent!.Name;
        string repository = testFolder.Parent.Parent!.Parent!.Parent!.Parent!.FullName; // test/<project>/bin/<configuration>/<framework>
        return Path.Combine(repository, projectFolder, "bin", configuration, framework, assemblyName + ".dll");
    }

    /// <summary>Starts a program that runs beside the test: its stdin and stdout are the test's to talk to it;
    /// disposing it ends it.</summary>
    public static Running Start(string dll, params string[] args)
    {
        var start = StartInfo(dll, args);
        start.RedirectStandardInput = true;
        return new Running(Process.Start(start)!);
    }

    /// <summary>As <see cref="Run"/>, for a program built elsewhere.</summary>
    public static (int ExitCode, string Stdout, string Stderr) RunDll(string dll, params string[] args)
    {
        string assemblyName = Path.GetFileNameWithoutExtension(dll);
        using var process = Process.Start(StartInfo(dll, args))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{assemblyName} did not exit within 60 s");
        }

        return (process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }

    private static ProcessStartInfo StartInfo(string dll, string[] args)
    {
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

        return start;
    }

    /// <summary>A program started by <see cref="Start"/>.</summary>
    public sealed class Running : IDisposable
    {
        private readonly Process _process;
        private readonly Task<string> _stderr;
        private bool _disposed;

        internal Running(Process process)
        {
            _process = process;
            _stderr = process.StandardError.ReadToEndAsync();
        }

        public int Id => _process.Id;

        /// <summary>The next line it prints, waiting at most 60 s.</summary>
        public string ReadLine()
        {
            var line = _process.StandardOutput.ReadLineAsync();
            if (!line.Wait(TimeSpan.FromSeconds(60)))
            {
                throw new TimeoutException("the program printed no line within 60 s");
            }

            if (line.Result is null)
            {
                bool exited = _process.WaitForExit(TimeSpan.FromSeconds(10));
                throw new InvalidOperationException("the program closed its output" + (exited ? $" and exited with {_process.ExitCode}: {_stderr.Result}" : string.Empty));
            }

            return line.Result;
        }

        public void WriteLine(string line)
        {
            _process.StandardInput.WriteLine(line);
            _process.StandardInput.Flush();
        }

        /// <summary>Kills it with SIGKILL, at once, and returns what it had printed that was not read yet.</summary>
        public List<string> KillAndReadRest()
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
            var rest = new List<string>();
            while (_process.StandardOutput.ReadLine() is { } line)
            {
                rest.Add(line);
            }

            return rest;
        }

        /// <summary>The lines it printed that were not read yet, up to the end of its output.</summary>
        public List<string> ReadRest()
        {
            var rest = new List<string>();
            while (_process.StandardOutput.ReadLine() is { } line)
            {
                rest.Add(line);
            }

            return rest;
        }

        /// <summary>Waits (at most 60 s) for it to exit; its exit code.</summary>
        public int WaitForExit()
        {
            if (!_process.WaitForExit(TimeSpan.FromSeconds(60)))
            {
                throw new TimeoutException("the program did not exit within 60 s");
            }

            return _process.ExitCode;
        }

        public void Dispose()
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }

            _process.Dispose();
        }
    }
}
