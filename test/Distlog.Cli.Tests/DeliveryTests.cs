using Distlog.Tests.Shared;
using Microsoft.Data.Sqlite;
using Xunit;

namespace Distlog.Cli.Tests;

/// <summary>Acknowledged delivery with real processes: distlogd killed with SIGKILL while a client sends, and started
/// again on the same journal and store.</summary>
public sealed class DeliveryTests : IDisposable
{
    private static readonly string s_peer = ChildProcess.ProjectDll("test/Distlog.Tests.Peer", "Distlog.Tests.Peer");
    private readonly string _folder = Directory.CreateTempSubdirectory("distlog-delivery-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public void DaemonKilledFiveTimesWhileAClientSends_EveryRecordIsStoredExactlyOnce()
    {
        const int Count = 30_000;
        var daemon = DaemonProcess.Start(_folder);
        try
        {
            using var client = ChildProcess.Start(s_peer, "send", daemon.Endpoint, daemon.ControlEndpoint, Count.ToString(System.Globalization.CultureInfo.InvariantCulture), "3000");
            var random = new Random(20261204);
            for (int kill = 0; kill < 5; kill++)
            {
                // A moment at random while records flow: this chooses when to kill, it waits for nothing.
                Thread.Sleep(TimeSpan.FromMilliseconds(random.Next(400, 1600)));
                daemon.Dispose();
                daemon = DaemonProcess.Start(_folder, daemon);
            }

            Assert.Equal("sent", client.ReadLine());
            Assert.Equal("peer done", client.ReadLine()); // it exits once distlogd acknowledged every record
            Assert.Equal(0, client.WaitForExit());

            Wait.Until(() => Stored().Total >= Count, () => $"the store to hold {Count} records: {Stored()}", TimeSpan.FromSeconds(60));
            var (total, distinct, numbers) = Stored();
            Assert.Equal((Count, Count, Count), (total, distinct, numbers));
        }
        finally
        {
            daemon.Dispose();
        }
    }

    [Fact]
    public void ATornJournalTail_IsCutAtStart_SaidInOneLine_AndEverythingAcknowledgedIsStillStored()
    {
        const int Count = 3000;
        var daemon = DaemonProcess.Start(_folder);
        try
        {
            var sent = ChildProcess.RunDll(s_peer, "send", daemon.Endpoint, daemon.ControlEndpoint, Count.ToString(System.Globalization.CultureInfo.InvariantCulture), "30000");
            Assert.True(sent.ExitCode == 0, sent.Stderr);
            Wait.Until(() => Stored().Total >= Count, () => $"the store to hold {Count} records: {Stored()}");
            daemon.Dispose();

            // A crash in the middle of a write: the last entry is cut short, and garbage follows nothing.
            string segment = Directory.GetFiles(Path.Combine(_folder, "journal"), "journal-*.seg").Order().Last();
            long length = new FileInfo(segment).Length;
            using (var file = new FileStream(segment, FileMode.Open))
            {
                file.SetLength(length - 7);
            }

            daemon = DaemonProcess.Start(_folder, daemon);
            var cut = Assert.Single(daemon.StartLog, l => l.Contains("is torn or damaged", StringComparison.Ordinal));
            Assert.Contains(segment, cut, StringComparison.Ordinal);
            Assert.True(new FileInfo(segment).Length < length - 7, "the torn entry is cut away");
            Assert.Equal((Count, Count, Count), Stored());
        }
        finally
        {
            daemon.Dispose();
        }
    }

    [Fact]
    public void AClientKilledMidStream_TheNextRunOnItsSpool_DeliversEveryRecordItHadAccepted()
    {
        string spool = Path.Combine(_folder, "spool");
        var daemon = DaemonProcess.Start(_folder);
        try
        {
            // A client logs 5,000 records a second and says as each log call returns; killed with SIGKILL mid-stream.
            int accepted = -1;
            using (var client = ChildProcess.Start(s_peer, "spool", daemon.Endpoint, daemon.ControlEndpoint, spool, "1000000", "5000"))
            {
                while (accepted < 3000)
                {
                    accepted = Logged(client.ReadLine(), accepted);
                }

                foreach (string line in client.KillAndReadRest())
                {
                    accepted = Logged(line, accepted);
                }
            }

            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(spool));
            }

            // The service's next run, on the same spool, logs nothing new: it sends what the killed one left.
            var resumed = ChildProcess.RunDll(s_peer, "spool", daemon.Endpoint, daemon.ControlEndpoint, spool, "0", "1");
            Assert.True(resumed.ExitCode == 0, resumed.Stderr);
            Assert.Contains("sent from the spool", resumed.Stderr, StringComparison.Ordinal);
            Wait.Until(() => Missing(accepted).Count == 0, () => $"every record up to {accepted} to be stored; missing: {string.Join(", ", Missing(accepted).Take(20))}", TimeSpan.FromSeconds(30));
        }
        finally
        {
            daemon.Dispose();
        }
    }

    private static int Logged(string line, int last) =>
        line.StartsWith("logged ", StringComparison.Ordinal) ? int.Parse(line[7..], System.Globalization.CultureInfo.InvariantCulture) : last;

    /// <summary>The record numbers up to <paramref name="last"/> the store does not hold.</summary>
    private List<int> Missing(int last)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(_folder, "store.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT DISTINCT message FROM records WHERE message LIKE 'record %'";
        using var reader = command.ExecuteReader();
        var stored = new HashSet<int>();
        while (reader.Read())
        {
            stored.Add(int.Parse(reader.GetString(0)[7..], System.Globalization.CultureInfo.InvariantCulture));
        }

        return Enumerable.Range(0, last + 1).Where(n => !stored.Contains(n)).ToList();
    }

    private (long Total, long Distinct, long Numbers) Stored() => StoredRecords.Count(Path.Combine(_folder, "store.db"));
}
