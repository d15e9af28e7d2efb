using System.Buffers;
using System.Text;
using Distlog.Protocol;

namespace Distlog.Protocol.Tests.Support;

internal static class Records
{
    public static byte[] Encode(IRecordCodec codec, LogRecord record)
    {
        var buffer = new ArrayBufferWriter<byte>();
        codec.Encode(record, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The record as canonical JSON text, to compare records field by field in one assertion.</summary>
    public static string Canonical(LogRecord record) => Encoding.UTF8.GetString(Encode(JsonRecordCodec.Default, record));

    public static LogRecord Full() => new()
    {
        Name = "Orders.Api",
        Msg = "Order {OrderId} for {Customer}",
        Args = new List<KeyValuePair<string, object?>> { new("OrderId", 42L), new("Customer", "leo") },
        Message = "Order 42 for leo",
        LevelNo = Levels.Warning,
        LevelName = "WARNING",
        Created = 1524085399.148067,
        Msecs = 148.067,
        RelativeCreated = 379328.72,
        AscTime = "2018-04-18 23:03:19,148",
        Hostname = "obelix",
        Process = 6156,
        ProcessName = "MainProcess",
        Thread = 139753641113344,
        ThreadName = "MainThread",
        ExcText = "System.InvalidOperationException: boom\n   at Somewhere()",
        Context = new RecordContext("2@e252a11f-d33d-483d-ba08-bc8f642b2f10/1", [new("arg", 42L), new("tags", new List<object?> { "a", "b" })]),
        Service = "orders",
        Event = new RecordEvent(7, "OrderPlaced"),
        Scopes = new List<object?> { "plain scope", new Dictionary<string, object?> { ["RequestId"] = "r-1" } },
        Task = new TaskBoundary(TaskBoundary.Exit, TaskBoundary.Succeeded, 12.5),
        Extra = [new("taskName", "Task-1"), new("custom", new Dictionary<string, object?> { ["nested"] = true })],
    };
}
