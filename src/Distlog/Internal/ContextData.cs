using Distlog.Protocol;

namespace Distlog.Internal;

/// <summary>Turns the context argument of a task (anonymous object, dictionary, pair list) into an immutable pair array.</summary>
internal static class ContextData
{
    public static KeyValuePair<string, object?>[] From(object? context)
    {
        if (context is null)
        {
            return [];
        }

        try
        {
            var pairs = ValueWriter.TryGetPairs(context, RecordEncoderOptions.Default);
            if (pairs is null)
            {
                // A lone value (a string, a number): keep it rather than lose it.
                return [new("value", context)];
            }

            var result = new KeyValuePair<string, object?>[pairs.Count];
            for (int i = 0; i < result.Length; i++)
            {
                result[i] = pairs[i];
            }

            return result;
        }
        catch (Exception ex)
        {
            return [new("context_error", ex.GetType().Name + ": " + ex.Message)];
        }
    }

    /// <summary>A new array with <paramref name="added"/> replacing pairs of the same key in <paramref name="current"/>.</summary>
    public static KeyValuePair<string, object?>[] Merge(KeyValuePair<string, object?>[] current, KeyValuePair<string, object?>[] added)
    {
        var result = new List<KeyValuePair<string, object?>>(current.Length + added.Length);
        result.AddRange(current);
        foreach (var pair in added)
        {
            int index = result.FindIndex(p => p.Key == pair.Key);
            if (index >= 0)
            {
                result[index] = pair;
            }
            else
            {
                result.Add(pair);
            }
        }

        return [.. result];
    }
}
