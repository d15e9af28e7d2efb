namespace Distlog.Internal;

/// <summary>Small helpers for bounding text the library itself produces.</summary>
internal static class ValueLimits
{
    public static string Cut(string text, int max) => text.Length <= max ? text : string.Concat(text.AsSpan(0, max), "…");
}
