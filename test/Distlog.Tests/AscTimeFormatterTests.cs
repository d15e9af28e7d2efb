using System.Globalization;
using Distlog.Internal;
using Xunit;

namespace Distlog.Tests;

public class AscTimeFormatterTests
{
    [Fact]
    public void Format_MatchesPythonsAsctime_InLocalTime_AcrossSeconds()
    {
        var formatter = new AscTimeFormatter();
        var start = new DateTimeOffset(2018, 4, 18, 21, 3, 19, 148, TimeSpan.Zero);
        foreach (var offset in new[] { 0, 1, 851, 852, 999, 1000, 86_400_000 })
        {
            var timestamp = start.AddMilliseconds(offset);
            string expected = timestamp.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss,fff", CultureInfo.InvariantCulture);
            Assert.Equal(expected, formatter.Format(timestamp));
        }
    }
}
