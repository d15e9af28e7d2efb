using System.Collections;
using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;

namespace Distlog.Protocol;

/// <summary>
/// Writes any .NET value onto an <see cref="IValueSink"/>: primitives as themselves, well-known value types as
/// text, dictionaries as maps, other collections as arrays, and the public properties of the caller's own types
/// (anonymous objects included) as maps.
/// </summary>
/// <remarks>
/// Never throws because of a value: a getter, enumerator or <c>ToString()</c> that throws is written as the text
/// <c>&lt;unencodable Type: message&gt;</c>. Collections are materialized before their header is written, so a
/// failure half-way never corrupts the structure. Thread-safe.
/// </remarks>
internal static class ValueWriter
{
    private const string TruncationMarker = "…[truncated]";

    private static readonly ConcurrentDictionary<Type, PropertyInfo[]> s_properties = new();

    public static void Write<TSink>(ref TSink sink, object? value, RecordEncoderOptions limits, int depth, ref int budget)
        where TSink : IValueSink, allows ref struct
    {
        if (--budget < 0 && value is not null)
        {
            sink.WriteString(TruncationMarker);
            return;
        }

        switch (value)
        {
            case null:
                sink.WriteNull();
                return;
            case string s:
                sink.WriteString(Truncate(s, limits));
                return;
            case bool b:
                sink.WriteBool(b);
                return;
            case int i:
                sink.WriteInt64(i);
                return;
            case long l:
                sink.WriteInt64(l);
                return;
            case double d:
                sink.WriteDouble(d);
                return;
            case float f:
                sink.WriteDouble(f);
                return;
            case short sh:
                sink.WriteInt64(sh);
                return;
            case byte by:
                sink.WriteInt64(by);
                return;
            case sbyte sb:
                sink.WriteInt64(sb);
                return;
            case ushort us:
                sink.WriteInt64(us);
                return;
            case uint ui:
                sink.WriteInt64(ui);
                return;
            case ulong ul:
                sink.WriteUInt64(ul);
                return;
            case decimal m:
                sink.WriteDouble((double)m);
                return;
            case char c:
                sink.WriteString(c.ToString());
                return;
            case byte[] bytes:
                sink.WriteBytes(bytes.Length <= limits.MaxStringLength ? bytes : bytes.AsSpan(0, limits.MaxStringLength));
                return;
            case DateTime dt:
                sink.WriteString(dt.ToString("O", CultureInfo.InvariantCulture));
                return;
            case DateTimeOffset dto:
                sink.WriteString(dto.ToString("O", CultureInfo.InvariantCulture));
                return;
            case TimeSpan ts:
                sink.WriteString(ts.ToString("c", CultureInfo.InvariantCulture));
                return;
            case Guid g:
                sink.WriteString(g.ToString("D"));
                return;
            case Enum or Uri or Version or DateOnly or TimeOnly or Type or Delegate or Exception:
                sink.WriteString(Truncate(SafeToString(value), limits));
                return;
        }

        if (depth >= limits.MaxDepth)
        {
            sink.WriteString(Truncate(SafeToString(value), limits));
            return;
        }

        if (TryMaterializeMap(value, limits, out var map, out string? failure))
        {
            WriteMap(ref sink, map, limits, depth, ref budget);
            return;
        }

        if (failure is null && value is IEnumerable enumerable)
        {
            var items = new List<object?>();
            try
            {
                foreach (object? item in enumerable)
                {
                    if (items.Count == limits.MaxItems)
                    {
                        items.Add(TruncationMarker);
                        break;
                    }

                    items.Add(item);
                }
            }
            catch (Exception ex)
            {
                failure = Unencodable(value, ex);
            }

            if (failure is null)
            {
                sink.BeginArray(items.Count);
                foreach (object? item in items)
                {
                    Write(ref sink, item, limits, depth + 1, ref budget);
                }

                sink.EndArray();
                return;
            }
        }

        sink.WriteString(failure ?? Truncate(SafeToString(value), limits));
    }

    /// <summary>Writes pairs as a map (used for args, context data and extra fields).</summary>
    public static void WriteMap<TSink>(ref TSink sink, IReadOnlyList<KeyValuePair<string, object?>> pairs, RecordEncoderOptions limits, int depth, ref int budget)
        where TSink : IValueSink, allows ref struct
    {
        int count = Math.Min(pairs.Count, limits.MaxItems);
        sink.BeginMap(count);
        for (int i = 0; i < count; i++)
        {
            var pair = pairs[i];
            sink.WritePropertyName(pair.Key ?? string.Empty);
            Write(ref sink, pair.Value, limits, depth + 1, ref budget);
        }

        sink.EndMap();
    }

    public static string Truncate(string s, RecordEncoderOptions limits) =>
        s.Length <= limits.MaxStringLength ? s : string.Concat(s.AsSpan(0, limits.MaxStringLength), TruncationMarker);

    public static string SafeToString(object value)
    {
        try
        {
            return value.ToString() ?? string.Empty;
        }
        catch (Exception ex)
        {
            return Unencodable(value, ex);
        }
    }

    private static string Unencodable(object value, Exception ex) =>
        $"<unencodable {value.GetType().Name}: {ex.GetType().Name}: {ex.Message}>";

    /// <summary>The key/value pairs of a dictionary, pair list or object (its public properties), or
    /// <see langword="null"/> for a value that has none (primitives, framework types, plain collections).</summary>
    public static IReadOnlyList<KeyValuePair<string, object?>>? TryGetPairs(object? value, RecordEncoderOptions limits)
    {
        if (value is null or string || value.GetType().IsPrimitive)
        {
            return null;
        }

        return TryMaterializeMap(value, limits, out var map, out _) ? map : null;
    }

    private static bool TryMaterializeMap(object value, RecordEncoderOptions limits, out IReadOnlyList<KeyValuePair<string, object?>> map, out string? failure)
    {
        failure = null;
        map = [];
        try
        {
            switch (value)
            {
                case IReadOnlyList<KeyValuePair<string, object?>> list:
                    map = list;
                    return true;
                case IEnumerable<KeyValuePair<string, object?>> pairs:
                    map = Take(pairs, limits);
                    return true;
                case IDictionary dictionary:
                {
                    var result = new List<KeyValuePair<string, object?>>(Math.Min(dictionary.Count, limits.MaxItems));
                    foreach (DictionaryEntry entry in dictionary)
                    {
                        if (result.Count == limits.MaxItems)
                        {
                            break;
                        }

                        result.Add(new(SafeToString(entry.Key), entry.Value));
                    }

                    map = result;
                    return true;
                }

                case IEnumerable:
                    return false;
            }

            var type = value.GetType();
            if (!IsCallersOwnType(type))
            {
                return false;
            }

            var properties = s_properties.GetOrAdd(type, static t => t
                .GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(p => p.CanRead && p.GetIndexParameters().Length == 0 && p.GetMethod is { IsPublic: true })
                .ToArray());
            if (properties.Length == 0)
            {
                return false;
            }

            var props = new List<KeyValuePair<string, object?>>(Math.Min(properties.Length, limits.MaxItems));
            foreach (var property in properties)
            {
                if (props.Count == limits.MaxItems)
                {
                    break;
                }

                object? propertyValue;
                try
                {
                    propertyValue = property.GetValue(value);
                }
                catch (TargetInvocationException ex) when (ex.InnerException is not null)
                {
                    propertyValue = Unencodable(value, ex.InnerException);
                }

                props.Add(new(property.Name, propertyValue));
            }

            map = props;
            return true;
        }
        catch (Exception ex)
        {
            failure = Unencodable(value, ex);
            return false;
        }
    }

    private static List<KeyValuePair<string, object?>> Take(IEnumerable<KeyValuePair<string, object?>> pairs, RecordEncoderOptions limits)
    {
        var result = new List<KeyValuePair<string, object?>>();
        foreach (var pair in pairs)
        {
            if (result.Count == limits.MaxItems)
            {
                break;
            }

            result.Add(pair);
        }

        return result;
    }

    /// <summary>Types whose properties are data: the application's own and anonymous types, not the framework's.</summary>
    private static bool IsCallersOwnType(Type type)
    {
        if (type.IsPointer || type.IsCOMObject || typeof(MemberInfo).IsAssignableFrom(type))
        {
            return false;
        }

        string? ns = type.Namespace;
        return ns is null || !(ns == "System" || ns.StartsWith("System.", StringComparison.Ordinal) || ns.StartsWith("Microsoft.", StringComparison.Ordinal));
    }
}
