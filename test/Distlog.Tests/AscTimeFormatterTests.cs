using System.Globalization;
using Distlog.Internal;
using Xunit;

namespace Distlog.Tests;

public class AscTimeFormatterTests
{
    [Fact]
    public void Format_MatchesPythonsAsctime_InLocalTime_WithinAndAcrossMillisecondsAndSeconds()
    {
        var formatter = new AscTimeFormatter();
        var start = new DateTimeOffset(2018, 4, 18, 21, 3, 19, 148, TimeSpan.Zero);
        // Steps of a tenth of a millisecond and more: records of one millisecond share its text, the next one's differs.
        foreach (long ticks in new long[] { 0, 1000, 9999, 10_000, 10_000, 8_510_000, 8_520_000, 9_990_000, 10_000_000, 864_000_000_000 })
        {
            var timestamp = start.AddTicks(ticks);
            string expected = timestamp.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss,fff", CultureInfo.InvariantCulture);
            Assert.Equal(expected, formatter.Format(timestamp));
        }
    }
}
