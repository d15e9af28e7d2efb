namespace Distlog;

/// <summary>Which providers obey the level rules distlogd hands out (<see cref="DistlogOptions.LevelRules"/>).</summary>
public enum LevelRuleScope
{
    /// <summary>Every provider of the logging set-up (console, debug, distlog…): the rules change what the process logs.</summary>
    AllProviders,

    /// <summary>Only what distlog sends; other providers keep their configured levels.</summary>
    DistlogOnly,

    /// <summary>The rules are not applied here (the session still says who is connected).</summary>
    Off,
}
