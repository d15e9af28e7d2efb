namespace Distlog.Query;

/// <summary>Records of one scope that never arrived: the scope's <c>seq</c> jumps from <see cref="After"/> to
/// <see cref="Before"/>.</summary>
/// <param name="After">The last seq present before the gap (-1 when the scope's first records are missing).</param>
/// <param name="Before">The first seq present after the gap.</param>
public readonly record struct SeqGap(long After, long Before)
{
    /// <summary>How many records are missing.</summary>
    public long Missing => Before - After - 1;
}
