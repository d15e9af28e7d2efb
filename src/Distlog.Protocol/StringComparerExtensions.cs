namespace Distlog.Protocol;

/// <summary>Reference equality as an <see cref="IEqualityComparer{T}"/> of strings.</summary>
internal static class StringComparerExtensions
{
    public static IEqualityComparer<string> AsStringComparer(this ReferenceEqualityComparer comparer) => new ReferenceStringComparer(comparer);

    private sealed class ReferenceStringComparer(ReferenceEqualityComparer inner) : IEqualityComparer<string>
    {
        public bool Equals(string? x, string? y) => inner.Equals(x, y);

        public int GetHashCode(string obj) => inner.GetHashCode(obj);
    }
}
