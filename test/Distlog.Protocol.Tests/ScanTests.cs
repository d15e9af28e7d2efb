using System.Text;
using CsCheck;
using Distlog.Protocol.Tests.Support;
using Xunit;

namespace Distlog.Protocol.Tests;

/// <summary>
/// The daemon accepts JSON records by <see cref="JsonRecordCodec.Scan"/> and decodes them later, only if a plugin
/// asks: so Scan must accept exactly what Decode accepts, and summarise it as Decode would.
/// </summary>
public class ScanTests
{
    /// <summary>Values of every JSON kind, including ones a field's type forbids and ones that fail only when read.</summary>
    /// <summary>How many inputs of a test the fast path accepted (Scan's result is then its own).</summary>
    private int _fast;

    private static readonly string[] s_values =
    [
        "null", "true", "false", "0", "20", "-7", "3.5", "1e999", "18446744073709551615", "99999999999999999999999",
        "\"text\"", "\"WARNING\"", "\"\"", "\"esc\\u00e9aped\"", "\"\\ud800\"", "\"a\\nb\"", "[]", "[1,\"x\",null]",
        "{}", "{\"key\":\"1@r\"}", "{\"key\":5}", "{\"key\":\"1@r\",\"user\":\"leo\"}", "{\"event\":\"exit\",\"status\":\"failed\"}",
        "{\"event\":\"enter\"}", "{\"id\":3,\"name\":\"E\"}", "{\"id\":\"x\"}", new string('[', 70) + new string(']', 70), new string('[', 40) + new string(']', 40),
        new string('[', 62) + new string(']', 62), new string('[', 63) + new string(']', 63), "[1]]", "[1,]", "{\"a\":1,}", "01", "1.", "-", "1.5e3", "tru", "nul",
        "{\"\\ud800\":1}", "{\"a\":{\"b\":[1e999,\"\\udc00x\"]}}",
    ];

    [Fact]
    public void EveryFieldWithEveryKindOfValue_ScanAcceptsWhatDecodeAccepts_AndSummarisesAlike()
    {
        var fields = Fields.All.Distinct().Concat(["taskName", "lev\\u0065lno", "unknown"]).ToList();
        int accepted = 0, rejected = 0;
        foreach (byte[] seed in Seeds())
        {
            foreach (string field in fields)
            {
                foreach (string value in s_values)
                {
                    // The field added at the end overrides any earlier one of the same name, as Decode reads it.
                    string text = Encoding.UTF8.GetString(seed).TrimEnd()[..^1].TrimEnd() + $",\"{field}\":{value}}}";
                    if (AssertAlike(Encoding.UTF8.GetBytes(text)))
                    {
                        accepted++;
                    }
                    else
                    {
                        rejected++;
                    }
                }
            }
        }

        // Both outcomes were exercised in numbers.
        Assert.True(accepted > 1000, $"accepted {accepted}");
        Assert.True(rejected > 500, $"rejected {rejected}");
        Assert.True(_fast > 500, $"fast path {_fast}");
    }

    private static readonly byte[] s_structural = "{}[]\",:\\ 0e-.nlu"u8.ToArray();

    [Fact]
    public void DamagedRecords_ScanAcceptsWhatDecodeAccepts()
    {
        var random = new Random(7);
        var seeds = Seeds().ToList();
        for (int i = 0; i < 20_000; i++)
        {
            byte[] bytes = (byte[])seeds[random.Next(seeds.Count)].Clone();
            int edits = random.Next(1, 4);
            for (int e = 0; e < edits; e++)
            {
                int at = random.Next(bytes.Length);
                bytes[at] = random.Next(3) switch
                {
                    0 => (byte)random.Next(256),
                    1 => s_structural[random.Next(s_structural.Length)],
                    _ => 0xC3,
                };
            }

            AssertAlike(bytes);
        }

        Assert.True(_fast > 1000, $"fast path {_fast}");
    }

    [Fact]
    public void GeneratedRecords_ScanSummarisesAsDecodeReads()
    {
        // Property-based (CsCheck): records of generated text, levels, times, task keys and values, encoded as the
        // client does; the scan's summary is the decode's. A failure prints the shrunk record and the seed.
        var records = Gen.Select(
            Gen.String[0, 40],
            Gen.String[0, 120],
            Gen.Int[0, 60],
            Gen.Double[-1e10, 1e10],
            Gen.String[0, 20],
            Gen.Int[1, 1000].Select(Gen.Int[0, 5], (seq, depth) => $"{seq}@root" + string.Concat(Enumerable.Repeat("/1", depth))),
            Gen.Int.Select(Gen.String[0, 30], Gen.Bool, (n, text, flag) => new List<KeyValuePair<string, object?>> { new("n", (long)n), new("text", text), new("flag", flag) }),
            (name, message, level, created, host, key, values) => new LogRecord
            {
                Name = name,
                Message = message,
                LevelNo = level,
                Created = created,
                Hostname = host,
                Service = host.Length % 2 == 0 ? "svc" : null,
                Context = new RecordContext(key, values),
            });
        records.Sample(record =>
        {
            byte[] bytes = Records.Encode(JsonRecordCodec.Default, record);
            var decoded = RecordSummary.Of(JsonRecordCodec.Default.Decode(bytes));
            var scanned = JsonRecordCodec.Scan(bytes);
            Assert.Equal(
                (decoded.Name, decoded.LevelNo, decoded.LevelName, decoded.Created, decoded.Hostname, decoded.Service, decoded.Context?.Key, decoded.Context?.ParsedKey),
                (scanned.Name, scanned.LevelNo, scanned.LevelName, scanned.Created, scanned.Hostname, scanned.Service, scanned.Context?.Key, scanned.Context?.ParsedKey));
        }, iter: 3000);
    }

    [Fact]
    public void GeneratedJsonLikeBytes_ScanRejectsWhatDecodeRejects_WithTheSameWords()
    {
        // Property-based: bodies of JSON's own characters after a record's opening, where the two readers part most
        // easily; each must accept and reject alike.
        var bodies = Gen.Int[0, s_structural.Length - 1].Array[0, 40]
            .Select(Gen.Int[0, s_values.Length - 1], (picks, value) => "{\"name\":\"x\",\"msg\":" + s_values[value] + "," + Encoding.ASCII.GetString(picks.Select(i => s_structural[i]).ToArray()) + "}");
        bodies.Sample(text => { AssertAlike(Encoding.UTF8.GetBytes(text)); }, iter: 5000, threads: 1); // one thread: AssertAlike counts
    }

    [Fact]
    public void MessageScan_RejectsWhatMessageDecodeRejects()
    {
        var random = new Random(42);
        string[] topics = ["PLJ", "PLM", "PBJ", "PBM", "TLP", "xx", ""];
        byte[] valid = Records.Encode(JsonRecordCodec.Default, Records.Full());
        for (int i = 0; i < 5000; i++)
        {
            byte[] body = random.Next(2) == 0 ? new byte[random.Next(0, 200)] : (byte[])valid.Clone();
            if (body.Length < 200)
            {
                random.NextBytes(body);
            }
            else
            {
                body[random.Next(body.Length)] = (byte)random.Next(256);
            }

            var frames = new List<byte[]> { Encoding.ASCII.GetBytes(topics[random.Next(topics.Length)]), body };
            var decoded = MessageDecoder.Decode(frames);
            var scanned = MessageDecoder.Scan(frames);

            Assert.Equal(decoded.Rejections, scanned.Rejections);
            Assert.Equal(decoded.Records.Count, scanned.Records.Count);
        }
    }

    [Fact]
    public void ScannedJsonRecords_AreLeftUndecoded_OthersAreDecoded()
    {
        var record = Records.Full();
        var json = MessageDecoder.Scan([Encoding.ASCII.GetBytes("PLJ"), Records.Encode(JsonRecordCodec.Default, record)]);
        var msgpack = MessageDecoder.Scan([Encoding.ASCII.GetBytes("PLM"), Records.Encode(MessagePackRecordCodec.Default, record)]);

        var fromJson = Assert.Single(json.Records);
        Assert.Null(fromJson.Record);
        Assert.Equal("Orders.Api", fromJson.Summary.Name);
        Assert.Equal(Levels.Warning, fromJson.Summary.LevelNo);
        Assert.Equal("2@e252a11f-d33d-483d-ba08-bc8f642b2f10/1", fromJson.Summary.Context!.Key);
        Assert.Equal(Records.Canonical(record), Records.Canonical(JsonRecordCodec.Default.Decode(fromJson.Body)));
        Assert.Equal(Records.Canonical(record), Records.Canonical(Assert.Single(msgpack.Records).Record!));
    }

    [Fact]
    public void RecordsOfTheUsualShape_TakeTheFastPath()
    {
        // Records as the Python client and ours write them, and one with every kind of value in its data.
        var records = Seeds().Take(3).Append(Records.Encode(JsonRecordCodec.Default, new LogRecord
        {
            Name = "n",
            Message = "m \"quoted\" \n\u00e9\u2028 \ud83d\ude00",
            Args = new Dictionary<string, object?> { ["a"] = new object?[] { 1, -2.5, true, false, null, "x\ty", new Dictionary<string, object?>() } },
            Context = new RecordContext("1@r/2", [new("user", "leo"), new("n", 0.001)]),
        }));
        foreach (byte[] record in records)
        {
            Assert.True(JsonRecordCodec.TryScanFast(record, out var summary), Encoding.UTF8.GetString(record));
            var decoded = RecordSummary.Of(JsonRecordCodec.Default.Decode(record));
            Assert.Equal((decoded.Name, decoded.LevelNo, decoded.LevelName, decoded.Created, decoded.Hostname, decoded.Service, decoded.Context?.Key),
                (summary.Name, summary.LevelNo, summary.LevelName, summary.Created, summary.Hostname, summary.Service, summary.Context?.Key));
        }
    }

    [Fact]
    public void TheFastPath_KnowsEveryFieldTheGeneralPathNames()
    {
        foreach (string field in Fields.All.Distinct())
        {
            string? known = JsonRecordScanner.KnownField(Encoding.UTF8.GetBytes(field));
            // The nested names (key, id, status, elapsed_ms) are not fields of a record: both paths keep them as extra data.
            if (field is Fields.Key or Fields.EventId or Fields.TaskStatus or Fields.TaskElapsedMs)
            {
                Assert.Null(known);
            }
            else
            {
                Assert.Same(field, known);
            }
        }

        Assert.Null(JsonRecordScanner.KnownField("nam"u8));
        Assert.Null(JsonRecordScanner.KnownField("contexts"u8));
    }

    /// <summary>Scan and Decode agree on <paramref name="bytes"/>; returns whether they accepted it.</summary>
    private bool AssertAlike(byte[] bytes)
    {
        if (JsonRecordCodec.TryScanFast(bytes, out _))
        {
            _fast++;
        }

        LogRecord? decoded = null;
        string? decodeError = null;
        try
        {
            decoded = JsonRecordCodec.Default.Decode(bytes);
        }
        catch (RecordFormatException ex)
        {
            decodeError = ex.Message;
        }

        RecordSummary? summary = null;
        string? scanError = null;
        try
        {
            summary = JsonRecordCodec.Scan(bytes);
        }
        catch (RecordFormatException ex)
        {
            scanError = ex.Message;
        }

        string input = Encoding.UTF8.GetString(bytes);
        Assert.True(decodeError == scanError, $"decode: {decodeError ?? "accepted"}; scan: {scanError ?? "accepted"}; input: {input}");
        if (decoded is null)
        {
            return false;
        }

        var expected = RecordSummary.Of(decoded);
        var actual = summary!.Value;
        Assert.True(
            (expected.Name, expected.LevelNo, expected.LevelName, expected.Hostname, expected.Service, expected.Context?.Key) ==
            (actual.Name, actual.LevelNo, actual.LevelName, actual.Hostname, actual.Service, actual.Context?.Key) &&
            expected.Created.Equals(actual.Created),
            $"summaries differ for {input}");
        Assert.Equal(expected.Context?.Data.Select(p => p.Key), actual.Context?.Data.Select(p => p.Key));
        return true;
    }

    private static IEnumerable<byte[]> Seeds()
    {
        yield return File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Seed", "tutorial-first-record.json"));
        yield return Records.Encode(JsonRecordCodec.Default, Records.Full());
        yield return Records.Encode(JsonRecordCodec.Default, new LogRecord { Name = "n", Message = "m" });
        yield return "{\"levelname\":\"ERROR\",\"levelno\":0,\"na\\u006de\":\"escaped name\",\"context\":null}"u8.ToArray();
    }
}
