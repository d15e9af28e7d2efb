using Distlog.Protocol.Tests.Support;
using Xunit;

namespace Distlog.Protocol.Tests;

public class ValueWriterTests
{
    [Fact]
    public void Objects_Dictionaries_AndCollections_BecomeMapsAndArrays()
    {
        var args = Decode(new Dictionary<string, object?>
        {
            ["anon"] = new { user = "leo", age = 42 },
            ["dict"] = new Dictionary<string, int> { ["a"] = 1 },
            ["list"] = new[] { 1, 2, 3 },
            ["guid"] = Guid.Parse("e252a11f-d33d-483d-ba08-bc8f642b2f10"),
            ["when"] = new DateTimeOffset(2018, 4, 18, 23, 3, 19, TimeSpan.Zero),
            ["poco"] = new Order { Id = 7, Lines = ["x"] },
            ["level"] = DayOfWeek.Monday,
        });

        Assert.Equal(new Dictionary<string, object?> { ["user"] = "leo", ["age"] = 42L }, args["anon"]);
        Assert.Equal(new Dictionary<string, object?> { ["a"] = 1L }, args["dict"]);
        Assert.Equal(new List<object?> { 1L, 2L, 3L }, args["list"]);
        Assert.Equal("e252a11f-d33d-483d-ba08-bc8f642b2f10", args["guid"]);
        Assert.Equal("2018-04-18T23:03:19.0000000+00:00", args["when"]);
        Assert.Equal(new Dictionary<string, object?> { ["Id"] = 7L, ["Lines"] = new List<object?> { "x" } }, args["poco"]);
        Assert.Equal("Monday", args["level"]);
    }

    [Fact]
    public void ThrowingGetterAndToString_AreWrittenAsText()
    {
        var args = Decode(new Dictionary<string, object?> { ["getter"] = new ThrowingGetter(), ["tostring"] = new ThrowingToString() });

        var getter = Assert.IsType<Dictionary<string, object?>>(args["getter"]);
        Assert.StartsWith("<unencodable ThrowingGetter: InvalidOperationException: getter failed", (string)getter["Value"]!, StringComparison.Ordinal);
        Assert.StartsWith("<unencodable ThrowingToString: NotSupportedException", (string)args["tostring"]!, StringComparison.Ordinal);
    }

    [Fact]
    public void ThrowingEnumerator_KeepsTheStructureValid()
    {
        var args = Decode(new Dictionary<string, object?> { ["bad"] = new ThrowingEnumerable(), ["after"] = 1 });
        Assert.StartsWith("<unencodable", (string)args["bad"]!, StringComparison.Ordinal);
        Assert.Equal(1L, args["after"]);
    }

    [Fact]
    public void Cycles_StopAtMaxDepth()
    {
        var node = new Node();
        node.Next = node;

        var args = Decode(new Dictionary<string, object?> { ["cycle"] = node });

        int depth = 0;
        object? current = args["cycle"];
        while (current is Dictionary<string, object?> map)
        {
            depth++;
            current = map["Next"];
        }

        // args sits at depth 1, so objects inside it get MaxDepth - 2 levels before the rest turns to text.
        Assert.Equal(RecordEncoderOptions.Default.MaxDepth - 2, depth);
        Assert.IsType<string>(current);
    }

    [Fact]
    public void HugeValues_AreCut()
    {
        var limits = new RecordEncoderOptions { MaxItems = 10, MaxStringLength = 100 };
        var codec = new MessagePackRecordCodec(limits);
        var record = new LogRecord
        {
            Message = new string('x', 10_000),
            Args = new Dictionary<string, object?> { ["many"] = Enumerable.Range(0, 1000).ToArray() },
        };

        var decoded = codec.Decode(Records.Encode(codec, record));

        Assert.Equal(100 + "…[truncated]".Length, decoded.Message!.Length);
        var many = Assert.IsType<List<object?>>(Assert.IsType<Dictionary<string, object?>>(decoded.Args)["many"]);
        Assert.Equal(11, many.Count);
        Assert.Equal("…[truncated]", many[^1]);
    }

    [Fact]
    public void TotalValueBudget_BoundsWideDeepGraphs()
    {
        var limits = new RecordEncoderOptions { MaxValues = 500 };
        var codec = new JsonRecordCodec(limits);
        object wide = Enumerable.Range(0, 50).ToArray();
        for (int i = 0; i < 4; i++)
        {
            wide = Enumerable.Repeat(wide, 50).ToArray();
        }

        byte[] bytes = Records.Encode(codec, new LogRecord { Args = wide });

        Assert.True(bytes.Length < 20_000, $"{bytes.Length} bytes");
        codec.Decode(bytes);
    }

    private static Dictionary<string, object?> Decode(object args)
    {
        var record = new LogRecord { Args = args };
        var json = JsonRecordCodec.Default.Decode(Records.Encode(JsonRecordCodec.Default, record));
        var msgpack = MessagePackRecordCodec.Default.Decode(Records.Encode(MessagePackRecordCodec.Default, record));
        Assert.Equal(Records.Canonical(json), Records.Canonical(msgpack));
        return Assert.IsType<Dictionary<string, object?>>(json.Args);
    }

    public sealed class Order
    {
        public int Id { get; set; }

        public List<string> Lines { get; set; } = [];
    }

    public sealed class ThrowingGetter
    {
        public string Value => throw new InvalidOperationException("getter failed");
    }

    public sealed class ThrowingToString
    {
        public override string ToString() => throw new NotSupportedException("no text");
    }

    public sealed class ThrowingEnumerable : System.Collections.IEnumerable
    {
        public System.Collections.IEnumerator GetEnumerator()
        {
            yield return 1;
            throw new InvalidOperationException("enumeration failed");
        }
    }

    public sealed class Node
    {
        public Node? Next { get; set; }
    }
}
