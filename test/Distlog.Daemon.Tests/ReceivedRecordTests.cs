using System.Text;
using Distlog.Plugins;
using Distlog.Protocol;
using Xunit;

namespace Distlog.Daemon.Tests;

public class ReceivedRecordTests
{
    private static readonly byte[] s_json = Encoding.UTF8.GetBytes(
        """{"name":"Orders","levelno":40,"levelname":"ERROR","message":"boom","created":1764072000.5,"hostname":"h1","service":"orders","context":{"key":"3@abc/1","user":"leo"},"args":{"OrderId":42}}""");

    [Fact]
    public void AJsonRecord_IsRoutedByItsSummary_AndDecodedOnFirstRead_OnceForAllReaders()
    {
        var received = new ReceivedRecord('P', JsonRecordCodec.Scan(s_json), s_json, Topic.EncodingJson, DateTimeOffset.UtcNow);

        Assert.Equal(("Orders", 40, "3@abc/1", "orders"), (received.Summary.Name, received.Summary.LevelNo, received.Summary.Context?.Key, received.Summary.Service));
        var records = new LogRecord[8];
        Parallel.For(0, records.Length, i => records[i] = received.Record);
        Assert.All(records, r => Assert.Same(records[0], r));
        Assert.Equal("boom", records[0].Message);
        Assert.Equal(42L, ((Dictionary<string, object?>)records[0].Args!)["OrderId"]);
    }

    [Fact]
    public void BytesThatDoNotDecode_GiveTheSummaryAndTheReason_NeverAnException()
    {
        var summary = new RecordSummary("App", Levels.Info, "INFO", 1.5, "h", "svc", null);
        var received = new ReceivedRecord('T', summary, "{not json"u8.ToArray(), Topic.EncodingJson, DateTimeOffset.UtcNow);

        var record = received.Record;

        Assert.Equal(("App", "svc"), (record.Name, record.Service));
        Assert.Contains("invalid JSON", (string)record.Extra!.Single(p => p.Key == "distlog_decode_error").Value!, StringComparison.Ordinal);
    }
}
