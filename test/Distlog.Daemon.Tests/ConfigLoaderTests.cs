using Distlog.Daemon.Configuration;
using Distlog.Daemon.Plugins;
using Distlog.Plugins;
using Distlog.Protocol;
using Xunit;

namespace Distlog.Daemon.Tests;

public class ConfigLoaderTests
{
    [Fact]
    public void ExampleFile_IsValid_AndBuildsItsPlugins()
    {
        var config = ConfigLoader.Load(Path.Combine(AppContext.BaseDirectory, "distlogd.example.yaml"));

        Assert.Equal(["tcp://127.0.0.1:5010"], config.Listen);
        Assert.Equal(16 * 1024 * 1024, config.MaxMessageBytes);
        Assert.Equal(TimeSpan.FromMinutes(1), config.StatsInterval);
        Assert.Equal(["sqlite", "file", "problems", "console", "seq", "otlp"], config.Plugins.Select(p => p.Name));
        Assert.Equal(TimeSpan.FromDays(90), config.Plugins[0].LongRetention!.Value.MaxAge);
        Assert.Equal("tcp://127.0.0.1:5012", config.StatsEndpoint);
        Assert.False(config.AcceptPickle);
        Assert.Equal(Levels.Warning, config.Plugins[2].Match.Filter.MinLevel);
        Assert.Equal('P', config.Plugins[2].Match.Filter.System);
        foreach (var plugin in config.Plugins)
        {
            PluginFactory.Create(plugin).DisposeAsync().AsTask().Wait();
        }
    }

    [Fact]
    public void Defaults_ListenOnLoopback_AndStoreToTheEmbeddedSqliteStore()
    {
        var config = ConfigLoader.Defaults();
        Assert.Equal(["tcp://127.0.0.1:5010"], config.Listen);
        var plugin = Assert.Single(config.Plugins);
        Assert.Equal("sqlite", plugin.Type);
        Assert.Equal("logs/distlog.db", plugin.Settings.GetString("path"));
        Assert.Equal("http://127.0.0.1:5080", config.Viewer);
    }

    [Fact]
    public void Viewer_WithoutAStoreToRead_IsAClearError()
    {
        var config = ConfigLoader.Parse("viewer: http://127.0.0.1:0\nplugins:\n  - type: console\n", "test.yaml");

        var ex = Assert.Throws<PluginConfigurationException>(() => new DaemonHost(config, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance));

        Assert.Equal("test.yaml: 'viewer' needs a store to read: add a plugin of type sqlite, redis or mongodb (or set viewer: off)", ex.Message);
    }

    [Fact]
    public void LongRetention_IsReadWithItsRulesAndAge()
    {
        var config = ConfigLoader.Parse("plugins:\n  - type: sqlite\n    path: x.db\n    long_retention:\n      max_age: 90d\n      match:\n        logger: Perf\n", "test.yaml");

        var (match, maxAge) = Assert.Single(config.Plugins).LongRetention!.Value;
        Assert.Equal(TimeSpan.FromDays(90), maxAge);
        Assert.Equal("Perf", match.Filter.LoggerPrefix);
    }

    [Theory]
    [InlineData("listen: [tcp://127.0.0.1:1]\nplugins:\n  - type: file\n    path: x\nlisten2: 1\n", "test.yaml:5: unknown key 'listen2'")]
    [InlineData("plugins:\n  - type: file\n    path: x\n    max_bytez: 5\n", "test.yaml:4: unknown key 'max_bytez' for a plugin of type 'file'")]
    [InlineData("plugins:\n  - type: file\n    path: x\n    max_bytes: lots\n", "test.yaml:4: 'max_bytes' must be a non-negative whole number")]
    [InlineData("plugins:\n  - path: x\n", "test.yaml:2: 'type' is required")]
    [InlineData("plugins:\n  - type: kafka\n", "test.yaml:2: unknown plugin type 'kafka'")]
    [InlineData("viewer: 5080\nplugins:\n  - type: file\n    path: x\n", "test.yaml:1: 'viewer' must be an address such as http://127.0.0.1:5080")]
    [InlineData("viewer_trace_url: http://jaeger/trace\nplugins:\n  - type: file\n    path: x\n", "test.yaml:1: 'viewer_trace_url' must be an http(s) address holding {trace_id}")]
    [InlineData("plugins:\n  - type: otlp\n    url: collector:4318\n", "test.yaml:3: 'url' must be an http:// or https:// address")]
    [InlineData("plugins:\n  - type: seq\n    url: http://seq\n    headers: Authorization\n", "test.yaml:4: 'headers' is Name=value pairs")]
    [InlineData("plugins:\n  - type: otlp\n    url: http://c\n    compression: zstd\n", "test.yaml:4: 'compression' must be gzip or none")]
    [InlineData("plugins:\n  - type: sqlite\n    long_retention:\n      max_age: 9d\n", "test.yaml:3: 'long_retention' needs 'match'")]
    [InlineData("plugins:\n  - type: sqlite\n    long_retention:\n      match: {logger: P}\n      keep: 1\n", "test.yaml:5: unknown key 'long_retention.keep'")]
    [InlineData("plugins:\n  - type: file\n    path: x\n    long_retention:\n      max_age: 9d\n      match: {logger: P}\n", "test.yaml:2: a plugin of type 'file' takes no 'long_retention'")]
    [InlineData("plugins:\n  - type: file\n    path: x\n    match:\n      min_levl: INFO\n", "test.yaml:5: unknown match rule 'min_levl'")]
    [InlineData("plugins:\n  - type: file\n    path: x\n    match:\n      min_level: LOUD\n", "test.yaml:5: 'match.min_level' must be a level name")]
    [InlineData("listen: http://x\nplugins:\n  - type: file\n    path: x\n", "test.yaml:1: 'listen': 'http://x' is not an endpoint")]
    [InlineData("plugins:\n  - type: file\n    path: ${DISTLOG_TEST_UNSET_VARIABLE}\n", "test.yaml:3: environment variable 'DISTLOG_TEST_UNSET_VARIABLE' is not set")]
    [InlineData("plugins: [\n", "test.yaml:")]
    [InlineData("listen: [tcp://127.0.0.1:1]\n", "'plugins' must name at least one plugin")]
    [InlineData("listen: [tcp://127.0.0.1:5010\nplugins: x\n", "test.yaml:1: invalid YAML: a '[' or '{' that is never closed")]
    [InlineData("stats_interval: 1e400s\nplugins:\n  - type: console\n", "test.yaml:1: 'stats_interval' must be a duration such as 500ms, 10s, 5m, 1h, got '1e400s'")]
    [InlineData("journal:\n  sync: sometimes\nplugins:\n  - type: console\n", "test.yaml:2: 'journal: sync' must be batch, 10ms or off, got 'sometimes'")]
    [InlineData("journal:\n  size: 1G\nplugins:\n  - type: console\n", "test.yaml:2: unknown key 'journal: size' (known: path, sync, max_bytes, max_age)")]
    [InlineData("journal:\n  max_bytes: 10k\nplugins:\n  - type: console\n", "test.yaml:2: 'journal: max_bytes' must be at least 1M, got 10240")]
    [InlineData("journal:\n  max_age: forever\nplugins:\n  - type: console\n", "test.yaml:2: 'max_age' must be a duration")]
    [InlineData("viewer: http://0.0.0.0:5080\nplugins:\n  - type: sqlite\n    path: x.db\n", "test.yaml:1: viewer: http://0.0.0.0:5080 would let anyone who reaches it read every log: add api_keys")]
    [InlineData("api_keys:\n  - name: ops\n    key: short\nplugins:\n  - type: console\n", "test.yaml:3: api key 'ops' is 5 characters: at least 16")]
    [InlineData("api_keys:\n  - name: ops\n    key: 0123456789abcdef0\n    role: root\nplugins:\n  - type: console\n", "test.yaml:4: 'api_keys: role' must be read or admin, got 'root'")]
    [InlineData("api_keys:\n  - name: ops\n    key_file: /nonexistent/ops.key\nplugins:\n  - type: console\n", "test.yaml:3: the key file /nonexistent/ops.key cannot be read")]
    [InlineData("api_keys:\n  - name: ops\nplugins:\n  - type: console\n", "test.yaml:2: api key 'ops': give its key")]
    [InlineData("curve:\n  secret_key: tooshort\n  clients: c.keys\nplugins:\n  - type: console\n", "test.yaml:2: 'curve: secret_key' must be the 40-character Z85 key that distlogd keygen prints, got 8 characters")]
    [InlineData("curve:\n  clients: c.keys\nplugins:\n  - type: console\n", "test.yaml:2: 'curve' needs its secret_key")]
    [InlineData("curve:\n  secret_key: \"JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6\"\n  public_key: \"Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID\"\n  clients: c.keys\nplugins:\n  - type: console\n", "test.yaml:3: 'curve: public_key' is not the public key of secret_key")]
    [InlineData("curve:\n  secret_key_file: /nonexistent/server.key\n  clients: c.keys\nplugins:\n  - type: console\n", "test.yaml:2: the key file /nonexistent/server.key cannot be read")]
    [InlineData("curve:\n  secret_key: \"JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6\"\nplugins:\n  - type: console\n", "test.yaml:2: 'clients' is required")]
    [InlineData("plain_listen: tcp://127.0.0.1:5014\nplugins:\n  - type: console\n", "test.yaml:1: plain_listen: is for unencrypted endpoints beside CURVE ones")]
    [InlineData("viewer: https://127.0.0.1:5443\nplugins:\n  - type: sqlite\n    path: x.db\n", "test.yaml:1: viewer: https://127.0.0.1:5443 needs viewer_tls: {certificate: cert.pem, key: key.pem}")]
    [InlineData("viewer: https://127.0.0.1:5443\nviewer_tls:\n  certificate: /nonexistent/cert.pem\nplugins:\n  - type: sqlite\n    path: x.db\n", "test.yaml:2: viewer_tls: /nonexistent/cert.pem does not exist")]
    [InlineData("peer_limit:\n  records_per_second: 0\nplugins:\n  - type: console\n", "test.yaml:2: 'peer_limit: records_per_second' must be at least 1")]
    public void Errors_NameTheFileLineAndKey(string yaml, string expected)
    {
        var ex = Assert.Throws<PluginConfigurationException>(() =>
        {
            var config = ConfigLoader.Parse(yaml, "test.yaml");
            foreach (var plugin in config.Plugins)
            {
                PluginFactory.Create(plugin).DisposeAsync().AsTask().Wait();
            }
        });
        Assert.StartsWith(expected.Split('\'')[0], ex.Message, StringComparison.Ordinal);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EnvironmentVariables_AreSubstituted()
    {
        var environment = new Dictionary<string, string> { ["REDIS_PASSWORD"] = "s3cret" };
        var config = ConfigLoader.Parse("plugins:\n  - type: file\n    path: /tmp/${REDIS_PASSWORD}/${MISSING:-fallback}.jsonl\n", "t.yaml", n => environment.GetValueOrDefault(n));

        Assert.Equal("/tmp/s3cret/fallback.jsonl", config.Plugins[0].Settings.GetString("path"));
    }

    [Fact]
    public void MatchRules_AllMustHold()
    {
        var config = ConfigLoader.Parse("""
            plugins:
              - type: file
                path: x
                match:
                  min_level: INFO
                  max_level: ERROR
                  logger: Orders.
                  system: S
                  service: billing
                  task: e252a11f-d33d-483d-ba08-bc8f642b2f10/1
                  context:
                    user: leo
            """, "t.yaml");
        var rule = config.Plugins[0].Match;
        LogRecord Record(int level = 20, string name = "Orders.Api", string service = "billing", string key = "3@e252a11f-d33d-483d-ba08-bc8f642b2f10/1/2", string user = "leo") => new()
        {
            LevelNo = level, Name = name, Service = service, Context = new RecordContext(key, [new("user", user)]),
        };

        Assert.True(rule.Matches(new ReceivedRecord('S', Record(), DateTimeOffset.UtcNow)));
        Assert.False(rule.Matches(new ReceivedRecord('P', Record(), DateTimeOffset.UtcNow)));
        Assert.False(rule.Matches(new ReceivedRecord('S', Record(level: 10), DateTimeOffset.UtcNow)));
        Assert.False(rule.Matches(new ReceivedRecord('S', Record(level: 50), DateTimeOffset.UtcNow)));
        Assert.False(rule.Matches(new ReceivedRecord('S', Record(name: "Billing.Api"), DateTimeOffset.UtcNow)));
        Assert.False(rule.Matches(new ReceivedRecord('S', Record(service: "orders"), DateTimeOffset.UtcNow)));
        Assert.False(rule.Matches(new ReceivedRecord('S', Record(key: "0@e252a11f-d33d-483d-ba08-bc8f642b2f10/10"), DateTimeOffset.UtcNow)));
        Assert.False(rule.Matches(new ReceivedRecord('S', Record(user: "ann"), DateTimeOffset.UtcNow)));
    }

    [Fact]
    public void Curve_WithAClientsFileThatDoesNotExist_IsRefusedAtStartInOneLine()
    {
        var pair = new NetMQ.NetMQCertificate();
        var config = ConfigLoader.Parse($"curve:\n  secret_key: \"{pair.SecretKeyZ85}\"\n  clients: /nonexistent/clients.keys\nplugins:\n  - type: console\n", "test.yaml");
        var ex = Assert.Throws<PluginConfigurationException>(() => new DaemonHost(config, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance));
        Assert.Equal("test.yaml:3: curve: clients: /nonexistent/clients.keys does not exist", ex.Message);
    }
}
