using System.Buffers;
using System.Text;
using Distlog.Protocol.Tests.Support;
using Xunit;

namespace Distlog.Protocol.Tests;

/// <summary>
/// The codec writes JSON through its own sink (<see cref="Utf8JsonSink"/>); what it writes must be, byte for byte,
/// what <see cref="System.Text.Json.Utf8JsonWriter"/> with relaxed escaping wrote before, so that nothing on the
/// wire or in a file changes.
/// </summary>
public class JsonSinkTests
{
    /// <summary>Characters of every kind the escaping treats differently.</summary>
    private static readonly string[] s_pieces =
    [
        "plain", " ", "\"", "\\", "/", "\n", "\r", "\t", "\b", "\f", "\0", "\u001f", "\u007f", "<&>'+`", "é", "ß", "\u00a0",
        "\u0085", "\u2028", "\u2029", "\ufeff", "\ufffd", "\ufffe", "\ufdd0", "日本", "😀", "\ud800", "\udc00", "\ud83d",
        "{\"k\":1}", "%s", "~", "\u0378",
    ];

    [Fact]
    public void RandomRecords_AreWrittenAsUtf8JsonWriterWroteThem()
    {
        var random = new Random(23);
        for (int i = 0; i < 3000; i++)
        {
            var record = RandomRecord(random);
            byte[] expected = ReferenceJsonSink.Encode(record);

            Assert.Equal(Encoding.UTF8.GetString(expected), Encoding.UTF8.GetString(Records.Encode(JsonRecordCodec.Default, record)));
            // An output that hands out no more room than asked for: every growth path of the sink is taken.
            var stingy = new StingyBufferWriter();
            JsonRecordCodec.Default.Encode(record, stingy);
            Assert.Equal(expected, stingy.Written.ToArray());
        }
    }

    [Fact]
    public void TheSeedsRecordShapes_AreWrittenAsBefore()
    {
        foreach (var record in new[] { Records.Full(), new LogRecord(), new LogRecord { Message = new string('x', 100_000), Args = new byte[] { 1, 2, 3 } } })
        {
            Assert.Equal(ReferenceJsonSink.Encode(record), Records.Encode(JsonRecordCodec.Default, record));
        }
    }

    private static LogRecord RandomRecord(Random random) => new()
    {
        Name = RandomString(random),
        Msg = RandomString(random),
        Message = random.Next(20) == 0 ? new string('m', random.Next(1000, 5000)) + RandomString(random) : RandomString(random),
        Args = RandomValue(random, 0),
        LevelNo = random.Next(0, 60),
        LevelName = random.Next(2) == 0 ? null : RandomString(random),
        Created = random.NextDouble() * 2e9,
        Msecs = random.Next(1000) + (random.Next(10_000) / 10_000.0),
        RelativeCreated = random.NextDouble() * 1e6,
        AscTime = RandomString(random),
        Hostname = RandomString(random),
        Process = random.Next(3) == 0 ? null : random.NextInt64(),
        Thread = random.Next(3) == 0 ? null : random.NextInt64(),
        ThreadName = random.Next(2) == 0 ? null : RandomString(random),
        ExcText = random.Next(4) == 0 ? RandomString(random) : null,
        Context = random.Next(3) == 0 ? null : new RecordContext(
            random.Next(4) == 0 ? null : $"{random.Next(100)}@{Guid.NewGuid()}",
            [.. Enumerable.Range(0, random.Next(4)).Select(_ => new KeyValuePair<string, object?>(RandomString(random), RandomValue(random, 1)))]),
        Service = RandomString(random),
        Event = random.Next(4) == 0 ? new RecordEvent(random.Next(), random.Next(2) == 0 ? null : RandomString(random)) : null,
        Scopes = random.Next(4) == 0 ? [RandomString(random), RandomValue(random, 1)] : null,
        Task = random.Next(5) == 0 ? new TaskBoundary(TaskBoundary.Exit, TaskBoundary.Failed, random.NextDouble() * 100) : null,
        Extra = random.Next(4) == 0 ? [new(RandomString(random) + "_x", RandomValue(random, 1))] : null,
    };

    private static object? RandomValue(Random random, int depth) => random.Next(depth > 3 ? 9 : 12) switch
    {
        0 => null,
        1 => random.Next(2) == 0,
        2 => random.NextInt64(long.MinValue, long.MaxValue),
        3 => (ulong)random.NextInt64() + (ulong)long.MaxValue,
        4 => random.Next(3) switch
        {
            0 => double.NaN,
            1 => double.PositiveInfinity,
            _ => BitConverter.Int64BitsToDouble(random.NextInt64()) is var d && double.IsFinite(d) ? d : -0.0,
        },
        5 => (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-8, 16)),
        6 or 7 => RandomString(random),
        8 => Enumerable.Range(0, random.Next(3)).Select(_ => (byte)random.Next(256)).ToArray(),
        9 => Enumerable.Range(0, random.Next(4)).Select(_ => RandomValue(random, depth + 1)).ToList(),
        10 => Enumerable.Range(0, random.Next(4)).ToDictionary(i => RandomString(random) + i, _ => RandomValue(random, depth + 1)),
        _ => new List<KeyValuePair<string, object?>> { new(RandomString(random), RandomValue(random, depth + 1)) },
    };

    private static string RandomString(Random random)
    {
        var text = new StringBuilder();
        int pieces = random.Next(0, 5);
        for (int i = 0; i < pieces; i++)
        {
            text.Append(s_pieces[random.Next(s_pieces.Length)]);
        }

        return text.ToString();
    }

    /// <summary>Gives exactly the room asked for (at least one byte), so that a writer must come back for more.</summary>
    private sealed class StingyBufferWriter : IBufferWriter<byte>
    {
        private readonly ArrayBufferWriter<byte> _inner = new();
        private byte[] _chunk = [];

        public ReadOnlySpan<byte> Written => _inner.WrittenSpan;

        public void Advance(int count) => _inner.Write(_chunk.AsSpan(0, count));

        public Memory<byte> GetMemory(int sizeHint = 0) => _chunk = new byte[Math.Max(1, sizeHint)];

        public Span<byte> GetSpan(int sizeHint = 0) => _chunk = new byte[Math.Max(1, sizeHint)];
    }
}
