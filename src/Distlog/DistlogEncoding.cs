namespace Distlog;

/// <summary>How records are encoded on the wire.</summary>
public enum DistlogEncoding
{
    /// <summary>The seed's JSON record (topic encoding <c>J</c>); the original Python daemon reads it too.</summary>
    Json,

    /// <summary>The same record in MessagePack (topic encoding <c>M</c>): smaller and faster.</summary>
    MessagePack,
}
