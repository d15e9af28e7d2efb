using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;

namespace Distlog.Protocol;

/// <summary>
/// The daemon's fast reading of a JSON record for <see cref="JsonRecordCodec.Scan"/>: one pass over the bytes that
/// checks the JSON and reads the summary's fields, without a <see cref="Utf8JsonReader"/> for the whole record.
/// </summary>
/// <remarks>
/// It is conservative, not complete: whatever it is not sure of — an escaped property name, a number with an
/// exponent, an escaped surrogate, deep nesting, a field with a type other than its usual one, any JSON error — makes
/// it give up (<see langword="false"/>), and <see cref="JsonRecordCodec.Scan"/> then reads the record the general way,
/// which accepts or rejects it with Decode's own messages. So it only ever accepts what Decode accepts, and it
/// gives the fields of the summary the values Decode gives them (the fields that need more than a scalar —
/// <c>context</c>, <c>event</c>, <c>task</c> — are read by the general code, from their own bytes).
/// </remarks>
internal ref struct JsonRecordScanner
{
    /// <summary>Deeper nesting than this is left to the general path (whose limit is
    /// <see cref="JsonRecordCodec.MaxDecodeDepth"/>).</summary>
    private const int MaxDepth = 32;

    /// <summary>Longer numbers are left to the general path, so that every number this accepts is finite.</summary>
    private const int MaxNumberLength = 64;

    /// <summary>The bytes that end a run of plain string content: the quote, the backslash and control characters.</summary>
    private static readonly SearchValues<byte> s_stringStops = SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Select(b => (byte)b), (byte)'"', (byte)'\\']);

    private readonly ReadOnlySpan<byte> _data;
    private int _pos;

    private JsonRecordScanner(ReadOnlySpan<byte> data)
    {
        _data = data;
        _pos = 0;
    }

    /// <summary>Reads <paramref name="data"/> into <paramref name="record"/>'s summary fields; <see langword="false"/>
    /// when the general path must judge it. May throw what the general code throws for the fields it reads.</summary>
    public static bool TryRead(ReadOnlySpan<byte> data, LogRecord record)
    {
        if (!System.Text.Unicode.Utf8.IsValid(data))
        {
            return false;
        }

        var scanner = new JsonRecordScanner(data);
        return scanner.ReadRecord(record);
    }

    private bool ReadRecord(LogRecord record)
    {
        SkipWhitespace();
        if (!TryTake((byte)'{'))
        {
            return false;
        }

        SkipWhitespace();
        if (!TryTake((byte)'}'))
        {
            while (true)
            {
                if (!TryReadString(out int nameStart, out int nameEnd, out bool nameEscaped) || nameEscaped)
                {
                    return false;
                }

                SkipWhitespace();
                if (!TryTake((byte)':'))
                {
                    return false;
                }

                SkipWhitespace();
                if (!ReadField(Classify(_data[nameStart..nameEnd]), record))
                {
                    return false;
                }

                SkipWhitespace();
                if (TryTake((byte)','))
                {
                    SkipWhitespace();
                    continue;
                }

                if (TryTake((byte)'}'))
                {
                    break;
                }

                return false;
            }
        }

        SkipWhitespace();
        return _pos == _data.Length;
    }

    /// <summary>How the scan treats a field; see <see cref="Classify"/>.</summary>
    private enum Kind : byte
    {
        /// <summary>Not a field of the record: any value, kept by Decode as extra data.</summary>
        Other,

        /// <summary>A string or null, not in the summary.</summary>
        Text,

        /// <summary><c>scopes</c>: an array.</summary>
        Scopes,

        /// <summary>Any value (<c>args</c>, <c>exc_info</c>).</summary>
        Any,

        /// <summary>An integer or null, not in the summary.</summary>
        Integer,

        /// <summary>A number or null, not in the summary.</summary>
        Number,

        Name,
        LevelName,
        Hostname,
        Service,
        LevelNo,
        Created,

        /// <summary><c>context</c>, <c>event</c>, <c>task</c>: read by the general code.</summary>
        General,
    }

    /// <summary>One field's value, checked as the general reading (Decode's) checks it, and kept only for the summary.</summary>
    private bool ReadField((string? Name, Kind Kind) field, LogRecord record)
    {
        if (_pos >= _data.Length)
        {
            return false;
        }

        byte first = _data[_pos];
        switch (field.Kind)
        {
            case Kind.Text:
                return first == '"' ? TryReadString(out _, out _, out _) : TryReadNull();
            case Kind.Scopes:
                return first == '[' && TrySkipValue(0);
            case Kind.Name or Kind.LevelName or Kind.Hostname or Kind.Service:
            {
                string? text = null;
                if (first == '"')
                {
                    if (!TryReadString(out int start, out int end, out bool escaped) || escaped)
                    {
                        return false;
                    }

                    text = Utf8StringCache.Current.GetString(_data[start..end]);
                }
                else if (!TryReadNull())
                {
                    return false;
                }

                switch (field.Kind)
                {
                    case Kind.Name: record.Name = text; break;
                    case Kind.LevelName: record.LevelName = text; break;
                    case Kind.Hostname: record.Hostname = text; break;
                    default: record.Service = text; break;
                }

                return true;
            }

            case Kind.LevelNo:
            {
                if (!TryReadInteger(out long? level))
                {
                    return false;
                }

                record.LevelNo = (int)(level ?? 0);
                return true;
            }

            case Kind.Integer:
                return TryReadInteger(out _);
            case Kind.Created:
            {
                if (first == 'n')
                {
                    record.Created = 0;
                    return TryReadNull();
                }

                int start = _pos;
                if (!TryReadNumber(out _) ||
                    !Utf8Parser.TryParse(_data[start.._pos], out double created, out int consumed) ||
                    consumed != _pos - start || !double.IsFinite(created))
                {
                    return false;
                }

                record.Created = created;
                return true;
            }

            case Kind.Number:
                return first == 'n' ? TryReadNull() : TryReadNumber(out _);
            case Kind.General:
            {
                int start = _pos;
                if (!TrySkipValue(0))
                {
                    return false;
                }

                JsonRecordCodec.ReadField(field.Name!, _data[start.._pos], record);
                return true;
            }

            default:
                return TrySkipValue(0);
        }
    }

    /// <summary>The fields the scan treats by name, in <see cref="FieldId"/>'s numbering (0: any other name), with
    /// how it treats them.</summary>
    private static readonly (string? Name, Kind Kind)[] s_fields =
    [
        (null, Kind.Other),
        (Fields.Msg, Kind.Text), (Fields.Name, Kind.Name), (Fields.Args, Kind.Any), (Fields.Task, Kind.General),
        (Fields.Msecs, Kind.Number), (Fields.Event, Kind.General), (Fields.Module, Kind.Text), (Fields.Thread, Kind.Integer),
        (Fields.Lineno, Kind.Integer), (Fields.Scopes, Kind.Scopes), (Fields.Context, Kind.General), (Fields.Created, Kind.Created),
        (Fields.Process, Kind.Integer), (Fields.Message, Kind.Text), (Fields.LevelNo, Kind.LevelNo), (Fields.AscTime, Kind.Text),
        (Fields.Service, Kind.Service), (Fields.Filename, Kind.Text), (Fields.FuncName, Kind.Text), (Fields.Hostname, Kind.Hostname),
        (Fields.ExcText, Kind.Text), (Fields.ExcInfo, Kind.Any), (Fields.Pathname, Kind.Text), (Fields.LevelName, Kind.LevelName),
        (Fields.StackInfo, Kind.Text), (Fields.ThreadName, Kind.Text), (Fields.ProcessName, Kind.Text), (Fields.RelativeCreated, Kind.Number),
        (Fields.TraceId, Kind.Text), (Fields.SpanId, Kind.Text), (Fields.TraceFlags, Kind.Integer),
    ];

    /// <summary>A top-level field's kind and its name as <see cref="Fields"/> spells it.</summary>
    private static (string? Name, Kind Kind) Classify(ReadOnlySpan<byte> name) => s_fields[FieldId(name)];

    /// <summary>The record's field names the scan treats by name (interned), or <see langword="null"/>.</summary>
    internal static string? KnownField(ReadOnlySpan<byte> name) => s_fields[FieldId(name)].Name;

    private static int FieldId(ReadOnlySpan<byte> name) => name.Length switch
    {
        3 => name.SequenceEqual("msg"u8) ? 1 : 0,
        4 => name.SequenceEqual("name"u8) ? 2 : name.SequenceEqual("args"u8) ? 3 : name.SequenceEqual("task"u8) ? 4 : 0,
        5 => name.SequenceEqual("msecs"u8) ? 5 : name.SequenceEqual("event"u8) ? 6 : 0,
        6 => name[0] switch
        {
            (byte)'m' => name.SequenceEqual("module"u8) ? 7 : 0,
            (byte)'t' => name.SequenceEqual("thread"u8) ? 8 : 0,
            (byte)'l' => name.SequenceEqual("lineno"u8) ? 9 : 0,
            (byte)'s' => name.SequenceEqual("scopes"u8) ? 10 : 0,
            _ => 0,
        },
        7 => name[0] switch
        {
            (byte)'s' when name[1] == (byte)'p' => name.SequenceEqual("span_id"u8) ? 30 : 0,
            (byte)'c' => name.SequenceEqual("context"u8) ? 11 : name.SequenceEqual("created"u8) ? 12 : 0,
            (byte)'p' => name.SequenceEqual("process"u8) ? 13 : 0,
            (byte)'m' => name.SequenceEqual("message"u8) ? 14 : 0,
            (byte)'l' => name.SequenceEqual("levelno"u8) ? 15 : 0,
            (byte)'a' => name.SequenceEqual("asctime"u8) ? 16 : 0,
            (byte)'s' => name.SequenceEqual("service"u8) ? 17 : 0,
            _ => 0,
        },
        8 => name[0] switch
        {
            (byte)'f' => name.SequenceEqual("filename"u8) ? 18 : name.SequenceEqual("funcName"u8) ? 19 : 0,
            (byte)'h' => name.SequenceEqual("hostname"u8) ? 20 : 0,
            (byte)'e' => name.SequenceEqual("exc_text"u8) ? 21 : name.SequenceEqual("exc_info"u8) ? 22 : 0,
            (byte)'p' => name.SequenceEqual("pathname"u8) ? 23 : 0,
            (byte)'t' => name.SequenceEqual("trace_id"u8) ? 29 : 0,
            _ => 0,
        },
        9 => name.SequenceEqual("levelname"u8) ? 24 : 0,
        10 => name.SequenceEqual("stack_info"u8) ? 25 : name.SequenceEqual("threadName"u8) ? 26 : 0,
        11 => name.SequenceEqual("processName"u8) ? 27 : name.SequenceEqual("trace_flags"u8) ? 31 : 0,
        15 => name.SequenceEqual("relativeCreated"u8) ? 28 : 0,
        _ => 0,
    };

    private void SkipWhitespace()
    {
        while (_pos < _data.Length && _data[_pos] is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t')
        {
            _pos++;
        }
    }

    private bool TryTake(byte expected)
    {
        if (_pos < _data.Length && _data[_pos] == expected)
        {
            _pos++;
            return true;
        }

        return false;
    }

    private bool TryReadNull()
    {
        if (_data[_pos..].StartsWith("null"u8))
        {
            _pos += 4;
            return true;
        }

        return false;
    }

    /// <summary>A string at the position; its content (between the quotes) is [start, end). Escapes are checked;
    /// an escaped surrogate, whose pairing the general path judges, gives up.</summary>
    private bool TryReadString(out int start, out int end, out bool escaped)
    {
        escaped = false;
        start = end = 0;
        if (!TryTake((byte)'"'))
        {
            return false;
        }

        start = _pos;
        while (true)
        {
            int stop = _data[_pos..].IndexOfAny(s_stringStops);
            if (stop < 0)
            {
                return false;
            }

            _pos += stop;
            byte b = _data[_pos];
            if (b == '"')
            {
                end = _pos;
                _pos++;
                return true;
            }

            if (b != '\\' || _pos + 1 >= _data.Length)
            {
                return false; // a raw control character, or a backslash at the end
            }

            escaped = true;
            byte e = _data[_pos + 1];
            if (e is (byte)'"' or (byte)'\\' or (byte)'/' or (byte)'b' or (byte)'f' or (byte)'n' or (byte)'r' or (byte)'t')
            {
                _pos += 2;
                continue;
            }

            if (e != 'u' || !TryReadEscapedUnit(_pos, out int unit))
            {
                return false;
            }

            _pos += 6;
            if (unit is >= 0xD800 and <= 0xDFFF)
            {
                // Only a high surrogate escaped right before a low one is text (Python escapes emoji so).
                if (unit >= 0xDC00 || !TryReadEscapedUnit(_pos, out int low) || low is < 0xDC00 or > 0xDFFF)
                {
                    return false;
                }

                _pos += 6;
            }
        }
    }

    /// <summary>A <c>\uXXXX</c> escape at <paramref name="at"/>.</summary>
    private readonly bool TryReadEscapedUnit(int at, out int unit)
    {
        unit = 0;
        if (at + 6 > _data.Length || _data[at] != '\\' || _data[at + 1] != 'u')
        {
            return false;
        }

        for (int i = at + 2; i < at + 6; i++)
        {
            int digit = HexDigit(_data[i]);
            if (digit < 0)
            {
                return false;
            }

            unit = (unit << 4) | digit;
        }

        return true;
    }

    private static int HexDigit(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };

    /// <summary>An integer that fits a long, or null; as <c>TryGetInt64</c> reads it.</summary>
    private bool TryReadInteger(out long? value)
    {
        value = null;
        if (_pos < _data.Length && _data[_pos] == 'n')
        {
            return TryReadNull();
        }

        int start = _pos;
        if (!TryReadNumber(out bool integral) || !integral ||
            !Utf8Parser.TryParse(_data[start.._pos], out long l, out int consumed) || consumed != _pos - start)
        {
            return false;
        }

        value = l;
        return true;
    }

    /// <summary>A number of JSON's grammar without an exponent, at most <see cref="MaxNumberLength"/> long.</summary>
    private bool TryReadNumber(out bool integral)
    {
        integral = true;
        int start = _pos;
        TryTake((byte)'-');
        if (_pos >= _data.Length || !char.IsAsciiDigit((char)_data[_pos]))
        {
            return false;
        }

        if (_data[_pos] == '0')
        {
            _pos++;
        }
        else
        {
            SkipDigits();
        }

        if (TryTake((byte)'.'))
        {
            integral = false;
            if (SkipDigits() == 0)
            {
                return false;
            }
        }

        if (_pos < _data.Length && _data[_pos] is (byte)'e' or (byte)'E')
        {
            return false;
        }

        // A number runs into the next structural byte or whitespace; anything else ("01", "1x") is not JSON.
        if (_pos < _data.Length && _data[_pos] is not ((byte)',' or (byte)'}' or (byte)']' or (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t'))
        {
            return false;
        }

        return _pos - start <= MaxNumberLength;
    }

    private int SkipDigits()
    {
        int start = _pos;
        while (_pos < _data.Length && char.IsAsciiDigit((char)_data[_pos]))
        {
            _pos++;
        }

        return _pos - start;
    }

    /// <summary>Passes over any JSON value, checking it as reading it would.</summary>
    private bool TrySkipValue(int depth)
    {
        if (_pos >= _data.Length)
        {
            return false;
        }

        switch (_data[_pos])
        {
            case (byte)'"':
                return TryReadString(out _, out _, out _);
            case (byte)'n':
                return TryReadNull();
            case (byte)'t':
                return TryLiteral("true"u8);
            case (byte)'f':
                return TryLiteral("false"u8);
            case (byte)'{':
                return TrySkipContainer(depth, (byte)'}', isObject: true);
            case (byte)'[':
                return TrySkipContainer(depth, (byte)']', isObject: false);
            default:
                return TryReadNumber(out _);
        }
    }

    private bool TryLiteral(ReadOnlySpan<byte> literal)
    {
        if (_data[_pos..].StartsWith(literal))
        {
            _pos += literal.Length;
            return true;
        }

        return false;
    }

    private bool TrySkipContainer(int depth, byte close, bool isObject)
    {
        if (depth >= MaxDepth)
        {
            return false;
        }

        _pos++;
        SkipWhitespace();
        if (TryTake(close))
        {
            return true;
        }

        while (true)
        {
            if (isObject)
            {
                if (!TryReadString(out _, out _, out _))
                {
                    return false;
                }

                SkipWhitespace();
                if (!TryTake((byte)':'))
                {
                    return false;
                }

                SkipWhitespace();
            }

            if (!TrySkipValue(depth + 1))
            {
                return false;
            }

            SkipWhitespace();
            if (TryTake((byte)','))
            {
                SkipWhitespace();
                continue;
            }

            return TryTake(close);
        }
    }
}
