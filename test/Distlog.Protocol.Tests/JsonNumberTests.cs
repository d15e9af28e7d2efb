using System.Buffers;
using System.Text;
using System.Text.Json;
using Xunit;

namespace Distlog.Protocol.Tests;

/// <summary>The JSON sink writes milliseconds from ticks by their digits, and other doubles with the runtime's
/// formatter; the text must be what <see cref="Utf8JsonWriter"/> writes, so that nothing on the wire changes.</summary>
public class JsonNumberTests
{
    [Fact]
    public void Doubles_AreWrittenAsUtf8JsonWriterWritesThem()
    {
        var random = new Random(11);
        var values = new List<double> { 0, -0.0, 0.5, 1, 544.8897, 0.0001, 0.00015, -3.25, 1e10, 99_999_999_999.9999, 1e11, 1e-5, 1524085399.148067, double.Epsilon, 123456789.123, 1e300, -1e-300, double.MaxValue, double.MinValue, 1795613720.5448897, 1e21, 1e15, 123e-20 };
        for (int i = 0; i < 100_000; i++)
        {
            long ticks = random.NextInt64(0, TimeSpan.TicksPerDay * 400);
            values.Add((ticks % TimeSpan.TicksPerSecond) / (double)TimeSpan.TicksPerMillisecond); // msecs
            values.Add(ticks / (double)TimeSpan.TicksPerMillisecond); // relativeCreated
            values.Add((random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-6, 14)));
            values.Add(BitConverter.Int64BitsToDouble(random.NextInt64()) is var any && double.IsFinite(any) ? any : 0); // any double
        }

        foreach (double value in values)
        {
            Assert.Equal(Reference(value), Written(value));
        }
    }

    private static string Written(double value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var sink = new Utf8JsonSink(buffer);
        sink.WriteDouble(value);
        sink.Complete();
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static string Reference(double value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteNumberValue(value);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
