namespace Distlog.Protocol;

/// <summary>Limits the encoders apply to values of any type, so that no value makes a record unbounded.</summary>
/// <remarks>A value beyond a limit is cut, never an error: strings are truncated with a marker, collections keep
/// their first items, and objects nested deeper than <see cref="MaxDepth"/> are written as their <c>ToString()</c>.</remarks>
public sealed record RecordEncoderOptions
{
    /// <summary>The defaults: depth 8, 1000 items, 32768 characters, 10000 values.</summary>
    public static RecordEncoderOptions Default { get; } = new();

    /// <summary>How deep objects and collections are written before the rest is written as text.</summary>
    public int MaxDepth { get; init; } = 8;

    /// <summary>How many items of one collection or properties of one object are written.</summary>
    public int MaxItems { get; init; } = 1000;

    /// <summary>How many characters of one string (message, exception text, value) are written.</summary>
    public int MaxStringLength { get; init; } = 32 * 1024;

    /// <summary>How many values one record may hold in all (args, context, scopes); the rest are cut.</summary>
    public int MaxValues { get; init; } = 10_000;
}
