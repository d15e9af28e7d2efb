namespace Distlog.Plugins;

/// <summary>
/// A store plugin's second, longer retention for the records a rule chooses (the seed's "usage/performance
/// records kept longer than debug chatter"); from a plugin's <c>long_retention:</c> entry in YAML.
/// </summary>
/// <param name="Match">Whether a record is kept the longer time (the entry's <c>match:</c> rules).</param>
/// <param name="MaxAge">How long chosen records are kept.</param>
public sealed record LongRetention(Func<ReceivedRecord, bool> Match, TimeSpan MaxAge);
