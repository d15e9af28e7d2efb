using Distlog.Tests.Support;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Distlog.Tests;

public class SmokeTests
{
    [Fact]
    public void Record_ReachesReceiver()
    {
        using var receiver = new PullReceiver();
        using var logging = new TestLogging(receiver.Endpoint);
        logging.Logger().LogInformation("hello {Who}", "world");
        var got = receiver.Take(1);
        Assert.Equal("hello world", got[0].Record.Message);
    }
}
