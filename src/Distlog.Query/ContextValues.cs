using System.Globalization;
using Distlog.Protocol;

namespace Distlog.Query;

/// <summary>How a context field compares with the text of a query: strings as they are, numbers in invariant
/// form, booleans as <c>true</c>/<c>false</c>; lists, maps and nulls never equal.</summary>
public static class ContextValues
{
    /// <summary>Whether <paramref name="context"/> has <paramref name="field"/> with the text form <paramref name="expected"/>.</summary>
    public static bool Equal(RecordContext? context, string field, string expected)
    {
        if (context is null)
        {
            return false;
        }

        foreach (var pair in context.Data)
        {
            if (pair.Key == field)
            {
                return TextOf(pair.Value) is { } text && text == expected;
            }
        }

        return false;
    }

    /// <summary>The text form of a scalar value, or null for null, lists and maps.</summary>
    public static string? TextOf(object? value) => value switch
    {
        string s => s,
        bool b => b ? "true" : "false",
        long or ulong or int or double => Convert.ToString(value, CultureInfo.InvariantCulture),
        _ => null,
    };
}
