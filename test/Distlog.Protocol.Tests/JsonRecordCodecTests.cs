using System.Text;
using System.Text.Json;
using Distlog.Protocol.Tests.Support;
using Xunit;

namespace Distlog.Protocol.Tests;

public class JsonRecordCodecTests
{
    [Fact]
    public void Decode_SeedRecordFromPython_KeepsEveryField()
    {
        byte[] json = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Seed", "tutorial-first-record.json"));

        var record = JsonRecordCodec.Default.Decode(json);

        Assert.Equal("0@e252a11f-d33d-483d-ba08-bc8f642b2f10", record.Context!.Key);
        Assert.Equal(0, record.Context.ParsedKey!.Value.Seq);
        Assert.Equal([new KeyValuePair<string, object?>("user", "leo")], record.Context.Data);
        Assert.Equal("toplevel", record.Message);
        Assert.Equal("toplevel", record.Msg);
        Assert.Equal("root", record.Name);
        Assert.Equal(20, record.LevelNo);
        Assert.Equal("INFO", record.LevelName);
        Assert.Equal(1524085399.148067, record.Created);
        Assert.Equal(148.06699752807617, record.Msecs);
        Assert.Equal("2018-04-18 23:03:19,148", record.AscTime);
        Assert.Equal(6156, record.Process);
        Assert.Equal(139753641113344, record.Thread);
        Assert.Equal("MainThread", record.ThreadName);
        Assert.Equal("example.py", record.Filename);
        Assert.Equal("main", record.FuncName);
        Assert.Equal(13, record.Lineno);
        Assert.Equal("/home/leo/src/distlog/example.py", record.Pathname);
        Assert.Null(record.Args);
        Assert.Equal([new KeyValuePair<string, object?>("taskName", null)], record.Extra);
    }

    [Fact]
    public void Encode_WritesTheSeedShape_WithNullsForUnknownFields()
    {
        var record = new LogRecord { Name = "root", Msg = "all done", Message = "all done", LevelNo = 20 };

        using var doc = JsonDocument.Parse(Records.Encode(JsonRecordCodec.Default, record));
        var root = doc.RootElement;

        string[] seedFields =
        [
            "context", "filename", "funcName", "stack_info", "args", "process", "hostname", "msecs", "message", "name",
            "module", "thread", "msg", "lineno", "threadName", "exc_text", "exc_info", "levelno", "asctime",
            "relativeCreated", "levelname", "processName", "created", "pathname",
        ];
        Assert.Equal(seedFields.Order(), root.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("context").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("exc_info").ValueKind);
        Assert.Equal("INFO", root.GetProperty("levelname").GetString());
    }

    [Fact]
    public void RoundTrip_FullRecord_IsUnchanged()
    {
        var original = Records.Full();
        byte[] first = Records.Encode(JsonRecordCodec.Default, original);

        var decoded = JsonRecordCodec.Default.Decode(first);

        Assert.Equal(Encoding.UTF8.GetString(first), Records.Canonical(decoded));
        Assert.Equal(new TaskBoundary("exit", "succeeded", 12.5), decoded.Task);
        Assert.Equal(new RecordEvent(7, "OrderPlaced"), decoded.Event);
        Assert.Equal("orders", decoded.Service);
        var args = Assert.IsType<Dictionary<string, object?>>(decoded.Args);
        Assert.Equal(42L, args["OrderId"]);
        Assert.Equal("Task-1", decoded.Extra!.Single(p => p.Key == "taskName").Value);
    }

    [Fact]
    public void Encode_NonFiniteNumbersAndUnicode_StayValidJson()
    {
        var record = new LogRecord
        {
            Message = "naïve \"quoted\"\nline ✓",
            Args = new Dictionary<string, object?> { ["nan"] = double.NaN, ["inf"] = double.PositiveInfinity },
        };

        var decoded = JsonRecordCodec.Default.Decode(Records.Encode(JsonRecordCodec.Default, record));

        Assert.Equal("naïve \"quoted\"\nline ✓", decoded.Message);
        var args = Assert.IsType<Dictionary<string, object?>>(decoded.Args);
        Assert.Equal("NaN", args["nan"]);
        Assert.Equal("Infinity", args["inf"]);
    }

    [Theory]
    [InlineData("not json", "invalid JSON")]
    [InlineData("[1,2]", "must be an object")]
    [InlineData("{\"levelno\": \"high\"}", "'levelno' must be an integer")]
    [InlineData("{\"context\": 5}", "'context' must be an object")]
    [InlineData("{\"context\": {\"key\": 5}}", "'context.key' must be a string")]
    [InlineData("{\"message\": 5}", "'message' must be a string")]
    [InlineData("{\"created\": \"now\"}", "'created' must be a number")]
    [InlineData("{\"name\": \"a\"", "JSON")]
    [InlineData("{} {}", "JSON")]
    [InlineData("", "JSON")]
    public void Decode_Malformed_ThrowsWithReason(string text, string reason)
    {
        var ex = Assert.Throws<RecordFormatException>(() => JsonRecordCodec.Default.Decode(Encoding.UTF8.GetBytes(text)));
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_InvalidUtf8_IsRejected()
    {
        byte[] bytes = [.. "{\"message\": \""u8, 0xff, 0xfe, .. "\"}"u8];
        Assert.Throws<RecordFormatException>(() => JsonRecordCodec.Default.Decode(bytes));
    }

    [Fact]
    public void Decode_DeepNesting_IsRejected()
    {
        string deep = "{\"args\": " + new string('[', 200) + new string(']', 200) + "}";
        var ex = Assert.Throws<RecordFormatException>(() => JsonRecordCodec.Default.Decode(Encoding.UTF8.GetBytes(deep)));
        Assert.Contains("depth", ex.Message, StringComparison.OrdinalIgnoreCase);
    }
}
