using System.Diagnostics;
using System.Reflection;

namespace Distlog.Internal;

/// <summary>Facts about this process that every record carries, read once.</summary>
internal static class ProcessInfo
{
    public static readonly string Hostname = SafeHostName();
    public static readonly int ProcessId = Environment.ProcessId;
    public static readonly string ProcessName = SafeProcessName();
    public static readonly DateTimeOffset StartTime = SafeStartTime();
    public static readonly string DefaultServiceName = Assembly.GetEntryAssembly()?.GetName().Name ?? ProcessName;

    private static string SafeHostName()
    {
        try
        {
            return System.Net.Dns.GetHostName();
        }
        catch (Exception)
        {
            return Environment.MachineName;
        }
    }

    private static string SafeProcessName()
    {
        try
        {
            using var process = Process.GetCurrentProcess();
            return process.ProcessName;
        }
        catch (Exception)
        {
            return "unknown";
        }
    }

    private static DateTimeOffset SafeStartTime()
    {
        try
        {
            using var process = Process.GetCurrentProcess();
            return new DateTimeOffset(process.StartTime.ToUniversalTime(), TimeSpan.Zero);
        }
        catch (Exception)
        {
            return DateTimeOffset.UtcNow;
        }
    }
}
