using System.Reflection;
using System.Text.Json;
using Distlog.Protocol.Tests.Support;
using Xunit;

namespace Distlog.Protocol.Tests;

/// <summary>
/// The record's layout is defined once (<see cref="RecordLayout"/>); the code that must be fast is written by hand
/// and held to it here, field by field: each field alone goes through each writer (JSON, MessagePack) and comes back
/// through each reader (the full decode, the scan's summary) as itself and as nothing else, in the layout's order and
/// presence; every property of <see cref="LogRecord"/> is a field of the layout; <see cref="LogRecord.Clear"/> clears
/// each one.
/// </summary>
public class RecordLayoutTests
{
    private static readonly IRecordCodec[] s_codecs = [JsonRecordCodec.Default, MessagePackRecordCodec.Default];

    public static TheoryData<string> FieldNames() => [.. RecordLayout.Fields.Where(f => f.Kind != FieldKind.Null).Select(f => f.Name)];

    [Fact]
    public void EveryPropertyOfTheRecord_IsOneFieldOfTheLayout_AndTheReadersKnowNoOther()
    {
        var properties = typeof(LogRecord).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && p.Name != nameof(LogRecord.Extra))
            .Select(p => p.Name)
            .Order(StringComparer.Ordinal);
        Assert.Equal(properties, RecordLayout.Fields.Where(f => f.Property.Length > 0).Select(f => f.Property).Order(StringComparer.Ordinal));
        Assert.Equal(RecordLayout.Fields.Length, RecordLayout.Fields.Select(f => f.Name).Distinct().Count());

        // The scanner's table of names is the layout's, and the general reader keeps any other name as extra data.
        foreach (var field in RecordLayout.Fields)
        {
            Assert.Same(field.Name, JsonRecordScanner.KnownField(System.Text.Encoding.UTF8.GetBytes(field.Name)));
        }

        var decoded = JsonRecordCodec.Default.Decode("{\"levelno\":20,\"not_a_field\":1}"u8.ToArray());
        Assert.Equal("not_a_field", Assert.Single(decoded.Extra!).Key);
    }

    [Theory]
    [MemberData(nameof(FieldNames))]
    public void AFieldAlone_ComesBackThroughEveryWriterAndReader_AsItselfAndNothingElse(string name)
    {
        var field = RecordLayout.Fields.Single(f => f.Name == name);
        var record = new LogRecord();
        Set(record, field);
        foreach (var codec in s_codecs)
        {
            byte[] bytes = Records.Encode(codec, record);
            var decoded = codec.Decode(bytes);
            var empty = codec.Decode(Records.Encode(codec, new LogRecord()));
            Assert.True(Same(field.Get(record), field.Get(decoded)), $"{codec.GetType().Name}: '{name}' wrote {Show(field.Get(record))}, read {Show(field.Get(decoded))}");
            foreach (var other in RecordLayout.Fields.Where(o => o != field && !Derived(field, o)))
            {
                Assert.True(Same(other.Get(empty), other.Get(decoded)), $"{codec.GetType().Name}: setting '{name}' changed '{other.Name}' to {Show(other.Get(decoded))}");
            }

            Assert.Null(decoded.Extra);
        }

        // JSON: the layout's fields in its order, seed fields null when unknown, additions only when set.
        byte[] json = Records.Encode(JsonRecordCodec.Default, record);
        using var document = JsonDocument.Parse(json);
        var expected = RecordLayout.Fields.Where(f => f.Presence != FieldPresence.WhenSet || f == field).Select(f => f.Name);
        Assert.Equal(expected, document.RootElement.EnumerateObject().Select(p => p.Name));

        // The scan's summary of those bytes is the summary of the decoded record, and the message read alone (what
        // the SQLite store takes beside the summary) is the decoded record's.
        var full = JsonRecordCodec.Default.Decode(json);
        Assert.Equal(Summary(RecordSummary.Of(full)), Summary(JsonRecordCodec.Scan(json)));
        Assert.Equal(full.Message, JsonRecordCodec.ReadMessage(json));
    }

    [Fact]
    public void EveryFieldTogether_ComesBackThroughEveryWriterAndReader()
    {
        var record = new LogRecord();
        foreach (var field in RecordLayout.Fields)
        {
            Set(record, field);
        }

        foreach (var codec in s_codecs)
        {
            var decoded = codec.Decode(Records.Encode(codec, record));
            Assert.All(RecordLayout.Fields, f => Assert.True(Same(f.Get(record), f.Get(decoded)), $"{codec.GetType().Name}: '{f.Name}' read {Show(f.Get(decoded))}"));
        }
    }

    [Theory]
    [InlineData("{\"message\":\"first\",\"levelno\":20,\"message\":\"last\"}")]
    [InlineData("{\"args\":{\"message\":\"nested\"},\"message\":\"esc\\u00e9aped\"}")]
    [InlineData("{\"message\":null,\"context\":{\"key\":\"1@r\"}}")]
    [InlineData("{\"levelno\":20}")]
    public void TheMessageReadAlone_IsTheDecodedRecords(string json)
    {
        byte[] bytes = System.Text.Encoding.UTF8.GetBytes(json);
        Assert.Equal(JsonRecordCodec.Default.Decode(bytes).Message, JsonRecordCodec.ReadMessage(bytes));
    }

    [Fact]
    public void Clear_ClearsEveryFieldOfTheLayout()
    {
        var record = Records.Full();
        foreach (var field in RecordLayout.Fields)
        {
            Set(record, field);
        }

        record.Clear();
        var fresh = new LogRecord();
        Assert.All(RecordLayout.Fields, f => Assert.True(Same(f.Get(fresh), f.Get(record)), $"Clear left '{f.Name}' at {Show(f.Get(record))}"));
        Assert.Null(record.Extra);
    }

    /// <summary>Gives a field a value of its kind that no other field has.</summary>
    private static void Set(LogRecord record, RecordField field)
    {
        int n = Array.IndexOf(RecordLayout.Fields, field);
        object? value = field.Kind switch
        {
            FieldKind.Text or FieldKind.Template => $"value of {field.Name}",
            FieldKind.Integer => 1000L + n,
            FieldKind.Number => 1_700_000_000.25 + n,
            FieldKind.Level => Levels.Warning,
            FieldKind.Context => new RecordContext($"3@root-{n}/1", [new("user", "leo"), new("n", (long)n)]),
            FieldKind.Args => new Dictionary<string, object?> { ["Id"] = (long)n, ["Who"] = "leo" },
            FieldKind.Scopes => new List<object?> { "scope", (long)n },
            FieldKind.Event => new RecordEvent(n, "Placed"),
            FieldKind.Task => new TaskBoundary(TaskBoundary.Exit, TaskBoundary.Succeeded, 12.5),
            FieldKind.Null => null,
            _ => throw new ArgumentOutOfRangeException(nameof(field)),
        };
        if (field.Property.Length > 0)
        {
            typeof(LogRecord).GetProperty(field.Property)!.SetValue(record, value);
        }
    }

    /// <summary>The level's number and name are read from each other when one is missing.</summary>
    private static bool Derived(RecordField set, RecordField other) =>
        (set.Name, other.Name) is (Fields.LevelNo, Fields.LevelName) or (Fields.LevelName, Fields.LevelNo);

    private static bool Same(object? a, object? b) => Show(a) == Show(b);

    private static string Show(object? value) => JsonSerializer.Serialize(value);

    private static string Summary(RecordSummary s) => Show(new { s.Name, s.LevelNo, s.LevelName, s.Created, s.Hostname, s.Service, s.Context });
}
