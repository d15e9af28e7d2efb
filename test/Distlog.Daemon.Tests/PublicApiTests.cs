using Distlog.Plugins;
using Distlog.Tests.Shared;
using Xunit;

namespace Distlog.Daemon.Tests;

/// <summary>The plugin contract is frozen in ApprovedApi/*.approved.txt: third-party plugins build against it.</summary>
public class PublicApiTests
{
    [Fact]
    public void PluginContract_PublicApi_IsApproved() => ApiApproval.Verify(typeof(IDistlogPlugin).Assembly);
}
