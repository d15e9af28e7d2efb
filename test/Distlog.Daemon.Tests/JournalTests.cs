using System.Text;
using Distlog.Daemon.Journal;
using Xunit;

namespace Distlog.Daemon.Tests;

/// <summary>The journal's segments on a real disk: entries come back in order, a torn tail is cut, passed segments go.</summary>
public sealed class JournalTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("distlogd-journal-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Entries_ComeBackInOrder_AcrossSegments_WithGrowingPositions()
    {
        var written = new List<long>();
        using (var journal = Open(segmentBytes: 1024))
        {
            for (int i = 0; i < 50; i++)
            {
                written.Add(journal.Append(Frames($"message {i}", new string('x', i * 3))));
            }

            journal.Flush(toDisk: true);
        }

        Assert.True(Directory.GetFiles(_folder, "journal-*.seg").Length > 1, "several segments");
        var read = ReadAll(out string? problem);
        Assert.Null(problem);
        Assert.Equal(written, read.Select(r => r.Position));
        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"message {i}"), read.Select(r => r.First));
        Assert.Equal(written.Order(), written);
    }

    [Theory]
    [InlineData(5)]   // cut inside the last entry's payload
    [InlineData(40)]  // cut inside its header
    public void ATornTail_IsCutBackToTheLastWholeEntry_AndSaidInOneLine(int cut)
    {
        using (var journal = Open())
        {
            journal.Append(Frames("one", "1"));
            journal.Append(Frames("two", "2"));
            journal.Append(Frames("three", new string('3', 30)));
        }

        string segment = Directory.GetFiles(_folder, "journal-*.seg").Single();
        long length = new FileInfo(segment).Length;
        using (var file = new FileStream(segment, FileMode.Open))
        {
            file.SetLength(length - cut);
        }

        var read = ReadAll(out string? problem);
        Assert.Equal(["one", "two"], read.Select(r => r.First));
        Assert.StartsWith($"journal {segment}: the entry at byte ", problem, StringComparison.Ordinal);
        Assert.Contains("torn or damaged", problem, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', problem!);

        // The journal goes on after the cut.
        using (var journal = Open())
        {
            journal.Append(Frames("four", "4"));
        }

        Assert.Equal(["one", "two", "four"], ReadAll(out problem).Select(r => r.First));
        Assert.Null(problem);
    }

    [Fact]
    public void ADamagedEntry_FailsItsChecksum_AndIsCut()
    {
        using (var journal = Open())
        {
            journal.Append(Frames("one", "1"));
            journal.Append(Frames("two", "2"));
        }

        string segment = Directory.GetFiles(_folder, "journal-*.seg").Single();
        byte[] bytes = File.ReadAllBytes(segment);
        bytes[^2] ^= 0x40;
        File.WriteAllBytes(segment, bytes);
        var read = ReadAll(out string? problem);
        Assert.Equal(["one"], read.Select(r => r.First));
        Assert.NotNull(problem);
    }

    [Fact]
    public void SegmentsEveryCursorPassed_AreDeleted_NotTheOneBeingWritten()
    {
        using var journal = Open(segmentBytes: 256);
        var positions = Enumerable.Range(0, 20).Select(i => journal.Append(Frames("m", new string('y', 100)))).ToList();
        journal.Flush(toDisk: false);
        int before = Directory.GetFiles(_folder, "journal-*.seg").Length;
        long sizeBefore = journal.SizeBytes;
        Assert.Equal(SegmentBytes(), sizeBefore);
        journal.DeleteBefore(positions[10], TimeSpan.MaxValue, (_, _) => Assert.Fail("nothing unpassed expires"));
        int after = Directory.GetFiles(_folder, "journal-*.seg").Length;
        Assert.True(after < before, $"{before} segments before, {after} after");
        Assert.Equal(SegmentBytes(), journal.SizeBytes);
        Assert.True(journal.SizeBytes < sizeBefore);
        journal.DeleteBefore(long.MaxValue, TimeSpan.MaxValue, (_, _) => Assert.Fail("nothing unpassed expires"));
        Assert.Single(Directory.GetFiles(_folder, "journal-*.seg"));
    }

    [Fact]
    public void SegmentsOlderThanMaxAge_AreDeletedUnpassed_AndTheirPositionsSaid()
    {
        using var journal = Open(segmentBytes: 256);
        var positions = Enumerable.Range(0, 20).Select(i => journal.Append(Frames("m", new string('y', 100)))).ToList();
        journal.Flush(toDisk: false);
        var segments = Directory.GetFiles(_folder, "journal-*.seg").Order().ToList();
        foreach (string old in segments.Take(3))
        {
            File.SetLastWriteTimeUtc(old, DateTime.UtcNow.AddDays(-8));
        }

        Assert.True(journal.Age > TimeSpan.FromDays(7), $"the journal's age is its oldest segment's: {journal.Age}");
        var expired = new List<(long Start, long End)>();
        journal.DeleteBefore(positions[0], TimeSpan.FromDays(7), (start, end) => expired.Add((start, end)));
        Assert.Equal(3, expired.Count);
        Assert.Equal(positions[0], expired[0].Start);
        Assert.Equal(segments.Skip(3), Directory.GetFiles(_folder, "journal-*.seg").Order());
        Assert.Equal(SegmentBytes(), journal.SizeBytes);
        Assert.True(journal.Age < TimeSpan.FromDays(1), $"the oldest segment left is new: {journal.Age}");
    }

    private long SegmentBytes() => Directory.GetFiles(_folder, "journal-*.seg").Sum(f => new FileInfo(f).Length);

    /// <summary>A journal on the folder, read and ready to append (as distlogd opens it).</summary>
    private RecordJournal Open(long segmentBytes = 64 * 1024)
    {
        var journal = new RecordJournal(_folder, segmentBytes);
        journal.Replay((_, _) => { });
        return journal;
    }

    private static List<ReadOnlyMemory<byte>> Frames(string first, string second) =>
        [Encoding.UTF8.GetBytes(first), Encoding.UTF8.GetBytes(second), new byte[40]];

    private List<(long Position, string First)> ReadAll(out string? problem)
    {
        var read = new List<(long, string)>();
        using var journal = new RecordJournal(_folder);
        problem = journal.Replay((position, frames) =>
        {
            Assert.Equal(3, frames.Count);
            read.Add((position, Encoding.UTF8.GetString(frames[0].Span)));
        });
        return read;
    }
}
