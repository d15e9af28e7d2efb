using System.Globalization;

namespace Distlog.Internal;

/// <summary>Formats Python's <c>asctime</c> (<c>2018-04-18 23:03:19,148</c>, local time), converting to local time
/// and formatting the date only once a second, and the whole text once a millisecond. Owned by the sender thread.</summary>
internal sealed class AscTimeFormatter
{
    private long _second = long.MinValue;
    private string _prefix = string.Empty;
    private long _millisecond = long.MinValue;
    private string _text = string.Empty;

    public string Format(DateTimeOffset timestamp)
    {
        long ticks = timestamp.UtcTicks;
        long millisecond = ticks / TimeSpan.TicksPerMillisecond;
        if (millisecond == _millisecond)
        {
            return _text; // records logged in the same millisecond share it: a busy logger writes hundreds a millisecond
        }

        _millisecond = millisecond;
        long second = ticks / TimeSpan.TicksPerSecond;
        if (second != _second)
        {
            _prefix = timestamp.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
            _second = second;
        }

        int millis = (int)(ticks % TimeSpan.TicksPerSecond / TimeSpan.TicksPerMillisecond);
        return _text = string.Create(_prefix.Length + 4, (_prefix, millis), static (span, state) =>
        {
            state._prefix.AsSpan().CopyTo(span);
            int at = state._prefix.Length;
            span[at] = ',';
            span[at + 1] = (char)('0' + (state.millis / 100));
            span[at + 2] = (char)('0' + (state.millis / 10 % 10));
            span[at + 3] = (char)('0' + (state.millis % 10));
        });
    }
}
