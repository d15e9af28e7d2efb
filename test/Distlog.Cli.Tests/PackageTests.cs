using System.Diagnostics;
using System.Text.RegularExpressions;
using Distlog.Tests.Shared;
using Xunit;

namespace Distlog.Cli.Tests;

/// <summary>
/// Installed as a user installs it: the packages packed (<c>dotnet pack</c>), a new console project made with the
/// README's quick start as its Program.cs, the Distlog package added from the packed folder, the program run against
/// a real distlogd, its records found in the store.
/// </summary>
public sealed partial class PackageTests : IAsyncLifetime
{
    private LevelDaemon _daemon = null!;

    public async Task InitializeAsync() => _daemon = await LevelDaemon.StartInNewFolderAsync("distlog-package-");

    public async Task DisposeAsync() => await _daemon.DisposeAsync();

    [Fact]
    public void TheReadmeQuickStart_BuiltFromThePackedPackages_StoresItsRecords()
    {
        string repository = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(ChildProcess.ProjectDll("src/Distlog", "Distlog"))!, "..", "..", "..", "..", ".."));
        string packages = Path.Combine(_daemon.Folder, "packages");

        // A version of its own, so that no package of an earlier run, kept in NuGet's cache, stands in for these.
        string version = "0.1.0-test." + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff", System.Globalization.CultureInfo.InvariantCulture);
        foreach (string project in (string[])["src/Distlog.Protocol", "src/Distlog"])
        {
            Dotnet(repository, "pack", Path.Combine(repository, project), "-o", packages, "-p:Version=" + version, "--nologo");
        }

        string app = Path.Combine(_daemon.Folder, "app");
        Directory.CreateDirectory(app);
        Dotnet(app, "new", "console", "--force");
        string readme = File.ReadAllText(Path.Combine(repository, "README.md"));
        string quickStart = QuickStart().Match(readme).Groups["code"].Value;
        Assert.Contains("AddDistlog(\"tcp://localhost:5010\")", quickStart, StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(app, "Program.cs"), quickStart.Replace("tcp://localhost:5010", _daemon.Endpoint, StringComparison.Ordinal));
        Dotnet(app, "add", "package", "Distlog", "--version", version, "--source", packages);

        string output = Dotnet(app, "run");
        Assert.False(output.Contains("[distlog]", StringComparison.Ordinal), output); // nothing the provider had to say

        Wait.Until(() => _daemon.Records().Count(r => r.Message is "toplevel" or "into task" or "subtask" or "subtask done") == 4, () => "the quick start's records");
        var into = _daemon.Records().Single(r => r.Message == "into task");
        Assert.Equal("leo", into.Context?.Data.FirstOrDefault(d => d.Key == "user").Value?.ToString());
    }

    /// <summary>Runs the dotnet command in <paramref name="folder"/>; its output, or a failure that shows it.</summary>
    private static string Dotnet(string folder, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // Not the repository's MSBuild settings: the new project is a user's, outside it.
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(4)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(' ', args)} did not finish within 4 minutes");
        }

        string output = stdout.GetAwaiter().GetResult() + stderr.GetAwaiter().GetResult();
        Assert.True(process.ExitCode == 0, $"dotnet {string.Join(' ', args)} failed:\n{output}");
        return output;
    }

    [GeneratedRegex(@"## Quick start\s+```csharp\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex QuickStart();
}
