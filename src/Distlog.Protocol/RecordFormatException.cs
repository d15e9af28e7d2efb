namespace Distlog.Protocol;

/// <summary>A message or record that cannot be decoded; <see cref="Exception.Message"/> says why.</summary>
public sealed class RecordFormatException : Exception
{
    /// <summary>Creates the exception with a reason.</summary>
    public RecordFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a reason and its cause.</summary>
    public RecordFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with no reason.</summary>
    public RecordFormatException()
        : base("malformed record")
    {
    }
}
