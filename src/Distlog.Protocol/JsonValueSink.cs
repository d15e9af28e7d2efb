using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Distlog.Protocol;

/// <summary>An <see cref="IValueSink"/> over <see cref="Utf8JsonWriter"/>. JSON has no NaN or infinities, so
/// those are written as the strings Python's <c>json</c> module would print.</summary>
internal readonly struct JsonValueSink(Utf8JsonWriter writer) : IValueSink
{
    // The record's own field names, escaped and encoded once, found by reference (the writer passes the very
    // constants of Fields) in a small open-addressed table: a dictionary lookup per field was a tenth of encoding.
    // Names of the application's data take the ordinary path.
    private const int TableMask = 127;
    private static readonly (string? Name, JsonEncodedText Encoded)[] s_fieldNames = BuildTable();

    private static (string?, JsonEncodedText)[] BuildTable()
    {
        var table = new (string?, JsonEncodedText)[TableMask + 1];
        foreach (string name in Fields.All.Distinct())
        {
            int slot = RuntimeHelpers.GetHashCode(name) & TableMask;
            while (table[slot].Item1 is not null)
            {
                slot = (slot + 1) & TableMask;
            }

            table[slot] = (name, JsonEncodedText.Encode(name));
        }

        return table;
    }

    private static bool TryGetEncoded(string name, out JsonEncodedText encoded)
    {
        int slot = RuntimeHelpers.GetHashCode(name) & TableMask;
        while (s_fieldNames[slot].Name is { } candidate)
        {
            if (ReferenceEquals(candidate, name))
            {
                encoded = s_fieldNames[slot].Encoded;
                return true;
            }

            slot = (slot + 1) & TableMask;
        }

        encoded = default;
        return false;
    }

    public void WriteNull() => writer.WriteNullValue();

    public void WriteBool(bool value) => writer.WriteBooleanValue(value);

    public void WriteInt64(long value) => writer.WriteNumberValue(value);

    public void WriteUInt64(ulong value) => writer.WriteNumberValue(value);

    public void WriteDouble(double value)
    {
        if (TryWriteTenThousandths(value))
        {
            return;
        }

        if (double.IsFinite(value))
        {
            writer.WriteNumberValue(value);
        }
        else
        {
            writer.WriteStringValue(double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
        }
    }

    /// <summary>
    /// Writes a value that is a whole number of ten-thousandths — milliseconds from .NET ticks (<c>msecs</c>,
    /// <c>relativeCreated</c>, <c>elapsed_ms</c>) — from its digits, the same text the general formatter gives
    /// (the shortest that reads back as the same double) at a fraction of its cost.
    /// </summary>
    /// <remarks>Below 10^11 a double has far more precision than four decimals, so no shorter text can stand for
    /// the same value: the decimal digits, trailing zeros dropped, are the shortest round trip.</remarks>
    private bool TryWriteTenThousandths(double value)
    {
        if (!(Math.Abs(value) < 1e11) || value == 0)
        {
            return false;
        }

        double scaled = Math.Round(value * 10_000);
        if (scaled / 10_000 != value)
        {
            return false;
        }

        long n = (long)scaled;
        Span<byte> text = stackalloc byte[24];
        int end = text.Length;
        bool negative = n < 0;
        ulong digits = (ulong)Math.Abs(n);
        ulong fraction = digits % 10_000;
        ulong whole = digits / 10_000;
        if (fraction != 0)
        {
            int places = 4;
            while (fraction % 10 == 0)
            {
                fraction /= 10;
                places--;
            }

            for (int i = 0; i < places; i++)
            {
                text[--end] = (byte)('0' + (int)(fraction % 10));
                fraction /= 10;
            }

            text[--end] = (byte)'.';
        }

        do
        {
            text[--end] = (byte)('0' + (int)(whole % 10));
            whole /= 10;
        }
        while (whole != 0);

        if (negative)
        {
            text[--end] = (byte)'-';
        }

        writer.WriteRawValue(text[end..], skipInputValidation: true);
        return true;
    }

    public void WriteString(string value) => writer.WriteStringValue(value);

    public void WriteBytes(ReadOnlySpan<byte> value) => writer.WriteBase64StringValue(value);

    public void BeginArray(int count) => writer.WriteStartArray();

    public void EndArray() => writer.WriteEndArray();

    public void BeginMap(int count) => writer.WriteStartObject();

    public void WritePropertyName(string name)
    {
        if (TryGetEncoded(name, out var encoded))
        {
            writer.WritePropertyName(encoded);
        }
        else
        {
            writer.WritePropertyName(name);
        }
    }

    public void WriteNullProperty(string name)
    {
        if (TryGetEncoded(name, out var encoded))
        {
            writer.WriteNull(encoded);
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    public void WriteStringProperty(string name, string value)
    {
        if (TryGetEncoded(name, out var encoded))
        {
            writer.WriteString(encoded, value);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }

    public void EndMap() => writer.WriteEndObject();
}
