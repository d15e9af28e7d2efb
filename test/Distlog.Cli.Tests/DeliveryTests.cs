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

    /// <summary>The client's records in the store: all of them, distinct ones, and distinct record numbers.</summary>
    private (long Total, long Distinct, long Numbers) Stored()
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(_folder, "store.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*), count(DISTINCT delivery), count(DISTINCT message) FROM records WHERE message LIKE 'record %'";
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }
}
