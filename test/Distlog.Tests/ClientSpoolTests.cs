using System.Text;
using Distlog.Internal;
using Xunit;

namespace Distlog.Tests;

/// <summary>The client's spool on a real disk: what was not acknowledged comes back to the next provider, in order;
/// a torn tail is cut; one process at a time; a full spool says so and lets records go on unspooled.</summary>
public sealed class ClientSpoolTests : IDisposable
{
    private readonly string _folder = Path.Combine(Directory.CreateTempSubdirectory("distlog-spool-").FullName, "spool");

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_folder)!, recursive: true);

    [Fact]
    public void WhatWasNotAcknowledged_ComesBackToTheNextProvider_InOrder()
    {
        var records = Records(10);
        using (var spool = Open(out var none))
        {
            Assert.Empty(none);
            Assert.All(records, r => Assert.True(spool.Append(r)));
            Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), records.Select(r => r.SpoolSequence));
            spool.Acknowledge([0, 1, 2, 5]);
            spool.Forget(6); // dropped and counted: not sent again
        }

        // The spool keeps where the acknowledged ones end (below the oldest outstanding record): from there on
        // everything comes back, what was settled out of order too (sent twice rather than lost).
        using (var again = Open(out var recovered))
        {
            Assert.Equal(["r3", "r4", "r5", "r6", "r7", "r8", "r9"], recovered.Select(r => Encoding.UTF8.GetString(r.Encoded!)));
            Assert.Equal(7, again.Outstanding);
            var next = Records(1)[0];
            Assert.True(again.Append(next));
            Assert.Equal(10, next.SpoolSequence); // sequences go on
        }
    }

    [Fact]
    public void ATornTail_IsCut_AndTheWholeEntriesBeforeItComeBack()
    {
        using (var spool = Open(out _))
        {
            Records(3).ForEach(r => spool.Append(r));
        }

        string file = Directory.GetFiles(_folder, "spool-*.dat").Single(f => new FileInfo(f).Length > 0);
        using (var cut = new FileStream(file, FileMode.Open))
        {
            cut.SetLength(cut.Length - 1);
        }

        using var reopened = Open(out var recovered);
        Assert.Equal(["r0", "r1"], recovered.Select(r => Encoding.UTF8.GetString(r.Encoded!)));
    }

    [Fact]
    public void OneProcessAtATime()
    {
        using var first = Open(out _);
        var error = Assert.Throws<IOException>(() => Open(out _));
        Assert.Contains("in use", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AFullSpool_TakesNoMore_ButTheRecordIsStillEncodedToGoOn()
    {
        using var spool = ClientSpool.Open(_folder, 1024 * 1024, Write, out _);
        var big = new TestRecord(new string('x', 600 * 1024));
        Assert.True(spool.Append(big));
        var another = new TestRecord(new string('y', 600 * 1024));
        Assert.False(spool.Append(another));
        Assert.NotNull(another.Encoded);
        Assert.Equal(-1, another.SpoolSequence);
    }

    private ClientSpool Open(out List<SpooledRecord> recovered) => ClientSpool.Open(_folder, 1024 * 1024, Write, out recovered);

    private static List<PendingRecord> Records(int count) => Enumerable.Range(0, count).Select(i => (PendingRecord)new TestRecord($"r{i}")).ToList();

    private static bool Write(PendingRecord record, ByteBuffer buffer)
    {
        byte[] text = Encoding.UTF8.GetBytes(((TestRecord)record).Text);
        text.CopyTo(buffer.GetSpan(text.Length));
        buffer.Advance(text.Length);
        return true;
    }

    private sealed class TestRecord(string text) : PendingRecord
    {
        public string Text => text;

        public override (string Message, string? Template) Render(List<KeyValuePair<string, object?>> args) => (text, null);

        public override void Return()
        {
        }
    }
}
