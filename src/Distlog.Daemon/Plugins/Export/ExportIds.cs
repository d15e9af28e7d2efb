using System.Security.Cryptography;
using System.Text;

namespace Distlog.Daemon.Plugins.Export;

/// <summary>Trace and span ids made from distlog's task ids, for receivers that draw spans (Seq): the same root and
/// scope give the same ids in every process and every daemon, so a tree split over services is one trace there.</summary>
internal static class ExportIds
{
    /// <summary>32 hex digits: the root id itself when it is a UUID (as roots are), else the start of its SHA-256.</summary>
    public static string Trace(string rootId) =>
        Guid.TryParse(rootId, out var guid) ? guid.ToString("N") : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(rootId)).AsSpan(0, 16));

    /// <summary>16 hex digits: the start of the scope id's SHA-256.</summary>
    public static string Span(string scopeId) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(scopeId)).AsSpan(0, 8));

    /// <summary>The record's time as nanoseconds since the Unix epoch.</summary>
    public static ulong UnixNanos(double created) => created <= 0 ? 0 : (ulong)Math.Round(created * 1e9);
}
