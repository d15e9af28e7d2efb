using Distlog.Tests.Shared;
using Xunit;

namespace Distlog.Tests;

/// <summary>The public API is frozen in ApprovedApi/*.approved.txt: a change to it must be deliberate.</summary>
public class PublicApiTests
{
    [Fact]
    public void Distlog_PublicApi_IsApproved() => ApiApproval.Verify(typeof(DistlogTask).Assembly);
}
