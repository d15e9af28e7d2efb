using System.Diagnostics;
using System.Globalization;
using Distlog.Tests.Shared;
using Microsoft.Data.Sqlite;
using Xunit;

namespace Distlog.Cli.Tests;

/// <summary>distlogd's journal on a small tmpfs that fills while a client sends: a clear error, no crash, and once
/// space frees every record is stored once, and the journal reads back whole.</summary>
public sealed class DiskFullTests : IDisposable
{
    private static readonly string s_peer = ChildProcess.ProjectDll("test/Distlog.Tests.Peer", "Distlog.Tests.Peer");
    private readonly string _folder = Directory.CreateTempSubdirectory("distlog-diskfull-").FullName;
    private readonly string _journal;
    private readonly bool _mounted;

    public DiskFullTests()
    {
        _journal = Directory.CreateDirectory(Path.Combine(_folder, "journal")).FullName;
        _mounted = Environment.UserName == "root" && Run("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", _journal) == 0;
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (_mounted)
        {
            Run("umount", "-l", _journal);
        }

        Directory.Delete(_folder, recursive: true);
    }

    [SkippableFact]
    public void TheJournalsDiskFills_DistlogdSaysSo_AndResumesWhenSpaceFrees_LosingNothing()
    {
        Skip.IfNot(_mounted, "mounting a tmpfs needs root (and a system that allows it)");
        const int Count = 3000;
        var daemon = DaemonProcess.Start(_folder);
        try
        {
            string filler = Path.Combine(_journal, "filler");
            Fill(filler);
            using var client = ChildProcess.Start(s_peer, "send", daemon.Endpoint, daemon.ControlEndpoint, Count.ToString(CultureInfo.InvariantCulture), "3000");
            string error = daemon.WaitForLine("the journal cannot be written");
            Assert.Contains("No space left on device", error, StringComparison.Ordinal);
            Assert.DoesNotContain("Exception", error, StringComparison.Ordinal); // a sentence, no stack trace
            Assert.True(Stored().Total < Count, "nothing past the full disk is acknowledged or stored yet");

            File.Delete(filler);
            daemon.WaitForLine("the journal is written again");
            Assert.Equal("sent", client.ReadLine());
            Assert.Equal("peer done", client.ReadLine()); // it exits once distlogd acknowledged every record
            Assert.Equal(0, client.WaitForExit());
            Wait.Until(() => Stored().Total >= Count, () => $"the store to hold {Count} records: {Stored()}", TimeSpan.FromSeconds(60));
            Assert.Equal((Count, Count, Count), Stored());

            // Nothing journaled was damaged: started again on it, distlogd cuts nothing and stores nothing twice.
            daemon.Dispose();
            daemon = DaemonProcess.Start(_folder, daemon);
            Assert.DoesNotContain(daemon.StartLog, l => l.Contains("torn or damaged", StringComparison.Ordinal));
            Assert.Equal((Count, Count, Count), Stored());
        }
        finally
        {
            daemon.Dispose();
        }
    }

    /// <summary>Writes <paramref name="path"/> until the file system has no room left.</summary>
    private static void Fill(string path)
    {
        byte[] chunk = new byte[4096];
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1);
        try
        {
            while (true)
            {
                file.Write(chunk);
            }
        }
        catch (IOException)
        {
        }
    }

    private static int Run(string command, params string[] args)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardError = true, RedirectStandardOutput = true };
        args.ToList().ForEach(start.ArgumentList.Add);
        try
        {
            using var process = Process.Start(start)!;
            process.WaitForExit();
            return process.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return -1;
        }
    }

    private (long Total, long Distinct, long Numbers) Stored() => StoredRecords.Count(Path.Combine(_folder, "store.db"));
}
