namespace Distlog.Tests.Shared;

/// <summary>Waits for a condition that has no signal of its own — a daemon's counter — with a deadline. It sleeps
/// between looks: spinning (SpinWait.SpinUntil) would take a core from the daemon on a two-core machine. Compiled
/// into the test projects that need it.</summary>
internal static class Wait
{
    /// <summary>Whether <paramref name="condition"/> came true within <paramref name="timeout"/>.</summary>
    public static bool For(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            Thread.Sleep(20); // polling a counter: there is no event to wait on
        }

        return true;
    }

    /// <summary>Waits for <paramref name="condition"/>; fails with what was waited for when the timeout (30 s) passes.</summary>
    public static void Until(Func<bool> condition, Func<string> what, TimeSpan? timeout = null)
    {
        if (!For(condition, timeout ?? TimeSpan.FromSeconds(30)))
        {
            throw new TimeoutException("timed out waiting for " + what());
        }
    }
}
