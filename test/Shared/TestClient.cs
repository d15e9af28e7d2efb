namespace Distlog.Tests.Shared;

/// <summary>Client options for tests that are about something else than delivery.</summary>
internal static class TestClient
{
    /// <summary>No session: the client's default control endpoint (the daemon's host, port 5011) could reach another
    /// distlogd running on this machine (a developer's, on its defaults), whose session would make the client stamp
    /// its messages for a daemon that never acknowledges them.</summary>
    public static void AtMostOnce(DistlogOptions options) => options.ControlEndpoint = "off";
}
