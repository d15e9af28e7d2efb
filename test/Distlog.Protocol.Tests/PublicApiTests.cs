using Distlog.Tests.Shared;
using Xunit;

namespace Distlog.Protocol.Tests;

/// <summary>The public API is frozen in ApprovedApi/*.approved.txt: a change to it must be deliberate.</summary>
public class PublicApiTests
{
    [Fact]
    public void Protocol_PublicApi_IsApproved() => ApiApproval.Verify(typeof(LogRecord).Assembly);
}
