using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;

namespace Distlog.Protocol;

/// <summary>
/// An <see cref="IValueSink"/> that writes JSON bytes straight into the output, for the record codec: the same text
/// <see cref="System.Text.Json.Utf8JsonWriter"/> writes with <see cref="JavaScriptEncoder.UnsafeRelaxedJsonEscaping"/>,
/// without its per-call bookkeeping (which was most of the time spent encoding a record).
/// </summary>
/// <remarks>
/// Strings of printable ASCII without a quote or backslash — nearly all of a record — are copied as they are; any
/// other string is escaped by the same encoder <see cref="System.Text.Json.Utf8JsonWriter"/> uses. JSON has no NaN
/// or infinities, so those are written as the strings Python's <c>json</c> module would print. Call
/// <see cref="Complete"/> once the value is written.
/// </remarks>
internal ref struct Utf8JsonSink : IValueSink
{
    private const int MinChunk = 2048;

    /// <summary>The record's own field names as <c>"name":</c>.</summary>
    private static readonly FieldNameTable<byte[]> s_fieldNames = new(name => Encoding.UTF8.GetBytes($"\"{name}\":"));

    private static readonly JavaScriptEncoder s_encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    /// <summary>The characters written as they are: printable ASCII but the quote and the backslash.</summary>
    private static readonly SearchValues<char> s_plain = SearchValues.Create(
        [.. Enumerable.Range(' ', '~' - ' ' + 1).Select(c => (char)c).Where(c => c is not ('"' or '\\'))]);

    private readonly IBufferWriter<byte> _output;
    private Span<byte> _span;
    private int _pos;
    private bool _comma;

    public Utf8JsonSink(IBufferWriter<byte> output)
    {
        _output = output;
        _span = output.GetSpan(MinChunk);
        _pos = 0;
        _comma = false;
    }

    /// <summary>Hands what was written to the output.</summary>
    public void Complete()
    {
        _output.Advance(_pos);
        _pos = 0;
        _span = default;
    }

    public void WriteNull() => Literal("null"u8);

    public void WriteBool(bool value) => Literal(value ? "true"u8 : "false"u8);

    public void WriteInt64(long value)
    {
        Span<byte> buffer = Value(20);
        Utf8Formatter.TryFormat(value, buffer, out int written);
        _pos += written;
    }

    public void WriteUInt64(ulong value)
    {
        Span<byte> buffer = Value(20);
        Utf8Formatter.TryFormat(value, buffer, out int written);
        _pos += written;
    }

    public void WriteDouble(double value)
    {
        if (!double.IsFinite(value))
        {
            WriteString(double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
            return;
        }

        Span<byte> buffer = Value(32);
        if (!JsonNumbers.TryWriteTenThousandths(value, buffer, out int written))
        {
            // The shortest text that reads back as the same double, as Utf8JsonWriter writes it.
            value.TryFormat(buffer, out written, default, CultureInfo.InvariantCulture);
        }

        _pos += written;
    }

    public void WriteString(string value)
    {
        Separate();
        Quoted(value);
    }

    public void WriteBytes(ReadOnlySpan<byte> value)
    {
        Span<byte> buffer = Value(Base64.GetMaxEncodedToUtf8Length(value.Length) + 2);
        buffer[0] = (byte)'"';
        Base64.EncodeToUtf8(value, buffer[1..], out _, out int written);
        buffer[written + 1] = (byte)'"';
        _pos += written + 2;
    }

    public void BeginArray(int count)
    {
        Literal("["u8);
        _comma = false;
    }

    public void EndArray() => Close((byte)']');

    public void BeginMap(int count)
    {
        Literal("{"u8);
        _comma = false;
    }

    public void EndMap() => Close((byte)'}');

    public void WritePropertyName(string name)
    {
        Separate();
        if (s_fieldNames.TryGet(name, out byte[]? encoded))
        {
            Raw(encoded);
        }
        else
        {
            Quoted(name);
            Raw(":"u8);
        }

        _comma = false;
    }

    public void WriteNullProperty(string name)
    {
        WritePropertyName(name);
        Literal("null"u8);
    }

    public void WriteStringProperty(string name, string value)
    {
        WritePropertyName(name);
        Quoted(value);
        _comma = true;
    }

    /// <summary>Room for <paramref name="length"/> bytes of a value (after its comma, if one is due).</summary>
    private Span<byte> Value(int length)
    {
        Separate();
        _comma = true;
        Ensure(length);
        return _span[_pos..];
    }

    private void Literal(ReadOnlySpan<byte> text)
    {
        Separate();
        Raw(text);
        _comma = true;
    }

    private void Close(byte bracket)
    {
        Ensure(1);
        _span[_pos++] = bracket;
        _comma = true;
    }

    private void Separate()
    {
        if (_comma)
        {
            Ensure(1);
            _span[_pos++] = (byte)',';
        }
    }

    private void Raw(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_span[_pos..]);
        _pos += bytes.Length;
    }

    /// <summary>A string in quotes, escaped as <see cref="System.Text.Json.Utf8JsonWriter"/> escapes it.</summary>
    private void Quoted(string value)
    {
        if (!NeedsEscaping(value))
        {
            Ensure(value.Length + 2);
            _span[_pos] = (byte)'"';
            Ascii.FromUtf16(value, _span.Slice(_pos + 1, value.Length), out _);
            _span[_pos + 1 + value.Length] = (byte)'"';
            _pos += value.Length + 2;
            _comma = true;
            return;
        }

        // The writer's way: escaped by its encoder as UTF-16 (a lone surrogate becomes \uFFFD), then as UTF-8.
        string escaped = s_encoder.Encode(value);
        Ensure(Encoding.UTF8.GetMaxByteCount(escaped.Length) + 2);
        _span[_pos++] = (byte)'"';
        _pos += Encoding.UTF8.GetBytes(escaped, _span[_pos..]);
        _span[_pos++] = (byte)'"';
        _comma = true;
    }

    /// <summary>Whether <paramref name="value"/> has anything but printable ASCII, or a quote or backslash.</summary>
    private static bool NeedsEscaping(string value) => value.AsSpan().IndexOfAnyExcept(s_plain) >= 0;

    private void Ensure(int length)
    {
        if (_span.Length - _pos < length)
        {
            _output.Advance(_pos);
            _span = _output.GetSpan(Math.Max(length, MinChunk));
            _pos = 0;
        }
    }
}
