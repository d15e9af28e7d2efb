using System.Diagnostics;

namespace Distlog.Benchmarks;

/// <summary>
/// Wall-clock time and processor time (user and system, every thread) of this process and of one other — the
/// daemon or store server the case drives — from <see cref="Start"/> to <see cref="Stop"/>. The harnesses report
/// processor time per record beside the rate: on two cores it says how much of the machine a case needs, which
/// the rate alone does not.
/// </summary>
internal readonly struct RunClock
{
    private readonly Process? _other;
    private readonly TimeSpan _cpu;
    private readonly long _start;

    private RunClock(Process? other)
    {
        _other = other;
        _cpu = CpuTime(other);
        _start = Stopwatch.GetTimestamp();
    }

    /// <param name="other">The other process whose processor time counts, or <see langword="null"/>.</param>
    public static RunClock Start(Process? other = null) => new(other);

    /// <summary>Records/s and processor microseconds per record since <see cref="Start"/>.</summary>
    public (double Rate, double CpuMicroseconds) Stop(int records)
    {
        var elapsed = Stopwatch.GetElapsedTime(_start);
        var cpu = CpuTime(_other) - _cpu;
        return (records / elapsed.TotalSeconds, cpu.TotalMicroseconds / records);
    }

    private static TimeSpan CpuTime(Process? other)
    {
        using var self = Process.GetCurrentProcess();
        if (other is null)
        {
            return self.TotalProcessorTime;
        }

        other.Refresh();
        return self.TotalProcessorTime + other.TotalProcessorTime;
    }
}
