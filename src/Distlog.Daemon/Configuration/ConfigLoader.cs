using System.Globalization;
using System.Text.RegularExpressions;
using Distlog.Plugins;
using Distlog.Protocol;
using Distlog.Query;
using Distlog.Daemon.Journal;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Distlog.Daemon.Configuration;

/// <summary>
/// Reads the daemon's YAML configuration. Every error names the file, the line and the key; unknown keys are
/// errors; <c>${NAME}</c> (or <c>${NAME:-default}</c>) in a value is replaced by the environment variable, so
/// secrets stay out of the file.
/// </summary>
internal static partial class ConfigLoader
{
    private static readonly HashSet<string> s_topKeys = ["listen", "control", "levels_file", "journal", "max_message_bytes", "stats_interval", "stats_endpoint", "accept_pickle", "viewer", "viewer_tls", "viewer_trace_url", "api_keys", "viewer_hosts", "curve", "plain_listen", "peer_limit", "plugins"];
    private static readonly HashSet<string> s_matchKeys = ["min_level", "max_level", "logger", "system", "hostname", "service", "task", "context"];

    /// <summary>The embedded defaults: listen on loopback port 5010, store to the SQLite file <c>logs/distlog.db</c>,
    /// serve the web viewer on loopback port 5080.</summary>
    public static DaemonConfig Defaults() => Parse(
        """
        listen:
          - tcp://127.0.0.1:5010
        viewer: http://127.0.0.1:5080
        plugins:
          - type: sqlite
            path: logs/distlog.db
        """,
        "embedded defaults");

    public static DaemonConfig Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new PluginConfigurationException($"{path}: cannot read the configuration: {ex.Message}");
        }

        return Parse(text, path);
    }

    public static DaemonConfig Parse(string yaml, string source, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            throw new PluginConfigurationException($"{source}:{ex.Start.Line}: invalid YAML: {ex.Message}");
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner gives up without a position on some unclosed flow collections.
            throw new PluginConfigurationException($"{source}:{UnclosedLine(yaml)}: invalid YAML: a '[' or '{{' that is never closed");
        }
        catch (ArgumentException ex)
        {
            // YamlDotNet's node loader meets an event it does not expect (found by fuzzing; it gives no position).
            throw new PluginConfigurationException($"{source}: invalid YAML: {ex.Message.Split(" (Parameter")[0]}");
        }

        if (stream.Documents.Count == 0)
        {
            throw new PluginConfigurationException($"{source}: the configuration is empty");
        }

        if (stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new PluginConfigurationException($"{source}:{Line(stream.Documents[0].RootNode)}: the configuration must be a mapping of keys");
        }

        var config = new DaemonConfig { Source = source };
        foreach (var (keyNode, value) in root.Children)
        {
            string key = Key(keyNode, source);
            switch (key)
            {
                case "listen":
                    config = config with { Listen = ReadEndpoints(value, source, environment, key) };
                    break;
                case "plain_listen":
                    config = config with { PlainListen = ReadEndpoints(value, source, environment, key), PlainListenLine = Line(keyNode) };
                    break;
                case "curve":
                    config = config with { Curve = ReadCurve(value, source, environment) };
                    break;
                case "peer_limit":
                    config = config with { PeerLimit = ReadPeerLimit(value, source, environment) };
                    break;
                case "control":
                    config = config with
                    {
                        Control = value is YamlScalarNode { Value: "off" } ? [] : ReadEndpoints(value, source, environment, key),
                    };
                    break;
                case "levels_file":
                {
                    string? path = Settings(source, value, key, environment).GetString(key);
                    config = config with { LevelsFile = path is null or "off" or "" ? null : Path.GetFullPath(path, Path.GetDirectoryName(Path.GetFullPath(source)) ?? "."), LevelsFileSet = true };
                    break;
                }

                case "journal":
                    config = config with { Journal = ReadJournal(value, source, environment), JournalSet = true };
                    break;
                case "max_message_bytes":
                    config = config with { MaxMessageBytes = (int)Math.Min(int.MaxValue, Settings(source, value, key, environment).GetInt64(key, 0)) };
                    break;
                case "stats_interval":
                    config = config with { StatsInterval = Settings(source, value, key, environment).GetDuration(key, TimeSpan.Zero) };
                    break;
                case "stats_endpoint":
                {
                    string? endpoint = Settings(source, value, key, environment).GetString(key);
                    config = config with { StatsEndpoint = endpoint is null or "off" ? null : CheckEndpoint(endpoint, source, value, key) };
                    break;
                }

                case "viewer":
                {
                    string? viewer = Settings(source, value, key, environment).GetString(key);
                    config = config with
                    {
                        Viewer = viewer is null or "off" ? null
                            : ViewerPattern().IsMatch(viewer) && Uri.TryCreate(viewer, UriKind.Absolute, out _) ? viewer
                            : throw new PluginConfigurationException($"{source}:{Line(value)}: 'viewer' must be an address such as http://127.0.0.1:5080 or https://0.0.0.0:5443 (or off), got '{viewer}'"),
                        ViewerLine = Line(value),
                    };
                    break;
                }

                case "viewer_tls":
                {
                    if (value is not YamlMappingNode tls)
                    {
                        throw new PluginConfigurationException($"{source}:{Line(value)}: 'viewer_tls' must be a mapping of certificate and key (PEM files), as Kestrel takes them");
                    }

                    var settings = new PluginSettings(source, Line(value), ReadSettings(tls, "viewer_tls", ["certificate", "key"], source, environment));
                    string here = Path.GetDirectoryName(Path.GetFullPath(source)) ?? ".";
                    config = config with
                    {
                        ViewerCertificate = Path.GetFullPath(settings.GetRequiredString("certificate"), here),
                        ViewerCertificateKey = settings.GetString("key") is { Length: > 0 } pem ? Path.GetFullPath(pem, here) : null,
                        ViewerTlsLine = Line(keyNode),
                    };
                    foreach (string file in new[] { config.ViewerCertificate, config.ViewerCertificateKey }.OfType<string>().Where(f => !File.Exists(f)))
                    {
                        throw new PluginConfigurationException($"{source}:{Line(keyNode)}: viewer_tls: {file} does not exist");
                    }

                    break;
                }

                case "viewer_trace_url":
                {
                    string? url = Settings(source, value, key, environment).GetString(key);
                    config = config with
                    {
                        ViewerTraceUrl = url is null or "" ? null
                            : url.Contains("{trace_id}", StringComparison.Ordinal) && Uri.TryCreate(url.Replace("{trace_id}", "0", StringComparison.Ordinal), UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? url
                            : throw new PluginConfigurationException($"{source}:{Line(value)}: 'viewer_trace_url' must be an http(s) address holding {{trace_id}}, such as http://jaeger:16686/trace/{{trace_id}}, got '{url}'"),
                    };
                    break;
                }

                case "api_keys":
                    config = config with { ApiKeys = ReadApiKeys(value, source, environment) };
                    break;
                case "viewer_hosts":
                    config = config with { ViewerHosts = ReadList(value, source, key, environment, "a host name", "host names") };
                    break;
                case "accept_pickle":
                    config = config with { AcceptPickle = Settings(source, value, key, environment).GetBoolean(key, false) };
                    break;
                case "plugins":
                    config = config with { Plugins = ReadPlugins(value, source, environment) };
                    break;
                default:
                    throw new PluginConfigurationException($"{source}:{Line(keyNode)}: unknown key '{key}' (known: {string.Join(", ", s_topKeys)})");
            }
        }

        if (config.Plugins.Count == 0)
        {
            throw new PluginConfigurationException($"{source}: 'plugins' must name at least one plugin");
        }

        bool https = config.Viewer?.StartsWith("https:", StringComparison.Ordinal) == true;
        if (https && config.ViewerCertificate is null)
        {
            throw new PluginConfigurationException($"{source}:{config.ViewerLine}: viewer: {config.Viewer} needs viewer_tls: {{certificate: cert.pem, key: key.pem}}");
        }

        if (!https && config.ViewerCertificate is not null)
        {
            throw new PluginConfigurationException($"{source}:{config.ViewerTlsLine}: viewer_tls: is for an https:// viewer; viewer: is {config.Viewer ?? "off"}");
        }

        if (config.PlainListen.Count > 0 && config.Curve is null)
        {
            throw new PluginConfigurationException($"{source}:{config.PlainListenLine}: plain_listen: is for unencrypted endpoints beside CURVE ones: without curve: every listen: endpoint is plain already");
        }

        if (config.Viewer is { } served && config.ApiKeys.Count == 0 && !IsLoopback(new Uri(served).Host))
        {
            throw new PluginConfigurationException($"{source}:{config.ViewerLine}: viewer: {served} would let anyone who reaches it read every log: add api_keys (see README, Security), or serve it on 127.0.0.1");
        }

        // The rules file and the journal go beside the daemon's data: the folder of the first plugin that writes a
        // file, else logs/.
        string? data = config.Plugins.Select(p => p.DataPath).FirstOrDefault(p => !string.IsNullOrEmpty(p));
        string folder = data is null ? "logs" : Path.GetDirectoryName(Path.GetFullPath(data)) ?? "logs";
        if (!config.LevelsFileSet)
        {
            config = config with { LevelsFile = Path.GetFullPath(Path.Combine(folder, "levels.json")) };
        }

        if (!config.JournalSet)
        {
            config = config with { Journal = new JournalConfig(Path.GetFullPath(Path.Combine(folder, "journal")), JournalSync.Batch) };
        }
        else if (config.Journal is { Path: null } journal)
        {
            config = config with { Journal = journal with { Path = Path.GetFullPath(Path.Combine(folder, "journal")) } };
        }

        return config;
    }

    /// <summary><c>api_keys:</c> — a list of <c>{name, key | key_file, role: read | admin}</c>.</summary>
    private static List<Viewer.ApiKey> ReadApiKeys(YamlNode value, string source, Func<string, string?> environment)
    {
        if (value is not YamlSequenceNode list)
        {
            throw new PluginConfigurationException($"{source}:{Line(value)}: 'api_keys' must be a list of keys, each with name, key (or key_file) and role");
        }

        var keys = new List<Viewer.ApiKey>();
        foreach (var item in list.Children)
        {
            if (item is not YamlMappingNode mapping)
            {
                throw new PluginConfigurationException($"{source}:{Line(item)}: each of 'api_keys' must be a mapping of name, key (or key_file) and role");
            }

            var values = ReadSettings(mapping, "api_keys", ["name", "key", "key_file", "role"], source, environment);
            var settings = new PluginSettings(source, Line(item), values);
            string keyName = settings.GetRequiredString("name");
            string secret = (settings.GetString("key"), settings.GetString("key_file")) switch
            {
                ({ } inline, null) => inline,
                (null, { } file) => ReadKeyFile(file, source, settings, "key_file"),
                _ => throw settings.Error("name", $"api key '{keyName}': give its key (key: ${{VARIABLE}}) or its key_file, one of them"),
            };
            if (secret.Length < 16)
            {
                throw settings.Error(values.ContainsKey("key") ? "key" : "key_file", $"api key '{keyName}' is {secret.Length} characters: at least 16 (distlogd keygen-style: openssl rand -hex 32)");
            }

            var role = settings.GetString("role", "read") switch
            {
                "read" => Viewer.ViewerRole.Read,
                "admin" => Viewer.ViewerRole.Admin,
                var other => throw settings.Error("role", $"'api_keys: role' must be read or admin, got '{other}'"),
            };
            if (keys.Any(k => k.Key == secret || k.Name == keyName))
            {
                throw settings.Error("name", $"api key '{keyName}': its name or its key is another key's too");
            }

            keys.Add(new Viewer.ApiKey(keyName, secret, role));
        }

        return keys;
    }

    /// <summary>A mapping of single values under <paramref name="section"/>, each key one of <paramref name="known"/>.</summary>
    private static Dictionary<string, (string? Value, int Line)> ReadSettings(YamlMappingNode mapping, string section, string[] known, string source, Func<string, string?> environment)
    {
        var values = new Dictionary<string, (string? Value, int Line)>(StringComparer.Ordinal);
        foreach (var (keyNode, child) in mapping.Children)
        {
            string key = Key(keyNode, source);
            if (!known.Contains(key))
            {
                throw new PluginConfigurationException($"{source}:{Line(keyNode)}: unknown key '{section}: {key}' (known: {string.Join(", ", known)})");
            }

            values[key] = child is YamlScalarNode scalar
                ? (Scalar(scalar, source, environment), Line(keyNode))
                : throw new PluginConfigurationException($"{source}:{Line(keyNode)}: '{section}: {key}' must be a single value");
        }

        return values;
    }

    /// <summary><c>peer_limit: off</c>, or <c>{records_per_second, burst}</c>.</summary>
    private static PeerLimit? ReadPeerLimit(YamlNode value, string source, Func<string, string?> environment)
    {
        if (value is YamlScalarNode { Value: "off" })
        {
            return null;
        }

        if (value is not YamlMappingNode mapping)
        {
            throw new PluginConfigurationException($"{source}:{Line(value)}: 'peer_limit' must be off or a mapping of records_per_second and burst");
        }

        var settings = new PluginSettings(source, Line(value), ReadSettings(mapping, "peer_limit", ["records_per_second", "burst"], source, environment));
        long rate = settings.GetInt64("records_per_second", 0);
        if (rate < 1)
        {
            throw settings.Error("records_per_second", "'peer_limit: records_per_second' must be at least 1");
        }

        long burst = settings.GetInt64("burst", rate * 2);
        if (burst < 1)
        {
            throw settings.Error("burst", "'peer_limit: burst' must be at least 1");
        }

        return new PeerLimit(rate, burst);
    }

    /// <summary><c>curve:</c> — <c>{secret_key | secret_key_file, public_key | public_key_file, clients}</c>.</summary>
    private static CurveConfig ReadCurve(YamlNode value, string source, Func<string, string?> environment)
    {
        if (value is not YamlMappingNode mapping)
        {
            throw new PluginConfigurationException($"{source}:{Line(value)}: 'curve' must be a mapping of secret_key (or secret_key_file), public_key (or public_key_file) and clients");
        }

        var values = ReadSettings(mapping, "curve", ["secret_key", "secret_key_file", "public_key", "public_key_file", "clients", "max_connections"], source, environment);
        var settings = new PluginSettings(source, Line(value), values);
        byte[] secret = CurveKey(settings, source, "secret_key", required: true)!;
        var pair = NetMQ.NetMQCertificate.CreateFromSecretKey(secret);
        if (CurveKey(settings, source, "public_key", required: false) is { } stated && !stated.AsSpan().SequenceEqual(pair.PublicKey))
        {
            throw settings.Error(values.ContainsKey("public_key") ? "public_key" : "public_key_file", "'curve: public_key' is not the public key of secret_key: give the pair that distlogd keygen made together");
        }

        string clients = settings.GetRequiredString("clients");
        return new CurveConfig(secret, pair.PublicKey, Path.GetFullPath(clients, Path.GetDirectoryName(Path.GetFullPath(source)) ?? "."))
        {
            Source = source,
            Line = values["clients"].Line,
            MaxConnections = settings.GetInt64("max_connections", CurveConfig.DefaultMaxConnections) is var most and >= 1
                ? most : throw settings.Error("max_connections", "'curve: max_connections' must be at least 1"),
        };
    }

    /// <summary>A CURVE key given as <paramref name="name"/> (its Z85 text, e.g. <c>${VARIABLE}</c>) or in the file
    /// <paramref name="name"/><c>_file</c>.</summary>
    private static byte[]? CurveKey(PluginSettings settings, string source, string name, bool required)
    {
        string file = name + "_file";
        string? text = (settings.GetString(name), settings.GetString(file)) switch
        {
            ({ } inline, null) => inline,
            (null, { } path) => ReadKeyFile(path, source, settings, file),
            (null, null) when !required => null,
            _ => throw settings.Error(name, $"'curve' needs its {name} (${{VARIABLE}}) or its {file}, one of them"),
        };
        if (text is null)
        {
            return null;
        }

        string key = settings.GetString(name) is null ? file : name;
        try
        {
            return text.Length == 40 ? NetMQ.NetMQCertificate.FromPublicKey(text).PublicKey : throw new ArgumentException("length");
        }
        catch (Exception ex) when (ex is ArgumentException or IndexOutOfRangeException)
        {
            throw settings.Error(key, $"'curve: {name}' must be the 40-character Z85 key that distlogd keygen prints, got {text.Length} characters");
        }
    }

    /// <summary>The first line of a key file (relative to the configuration's folder).</summary>
    private static string ReadKeyFile(string file, string source, PluginSettings settings, string key)
    {
        if (file.Length == 0)
        {
            throw settings.Error(key, $"'{key}' is empty: name the key file");
        }

        string path = Path.GetFullPath(file, Path.GetDirectoryName(Path.GetFullPath(source)) ?? ".");
        try
        {
            return File.ReadLines(path).FirstOrDefault()?.Trim() ?? string.Empty;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw settings.Error(key, $"the key file {path} cannot be read: {ex.Message}");
        }
    }

    private static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) ||
        (System.Net.IPAddress.TryParse(host.Trim('[', ']'), out var address) && System.Net.IPAddress.IsLoopback(address));

    /// <summary><c>journal: off</c>, or <c>journal: {path, sync: batch | 10ms | off, max_bytes, max_age}</c>.</summary>
    private static JournalConfig? ReadJournal(YamlNode value, string source, Func<string, string?> environment)
    {
        if (value is YamlScalarNode { Value: "off" })
        {
            return null;
        }

        if (value is not YamlMappingNode mapping)
        {
            throw new PluginConfigurationException($"{source}:{Line(value)}: 'journal' must be off or a mapping of path, sync, max_bytes, max_age");
        }

        var settings = new PluginSettings(source, Line(value), ReadSettings(mapping, "journal", ["path", "sync", "max_bytes", "max_age"], source, environment));
        var sync = settings.GetString("sync", "batch") switch
        {
            "batch" => JournalSync.Batch,
            "10ms" => JournalSync.Interval,
            "off" => JournalSync.Off,
            var other => throw settings.Error("sync", $"'journal: sync' must be batch, 10ms or off, got '{other}'"),
        };
        string? path = settings.GetString("path");
        long maxBytes = settings.GetInt64("max_bytes", JournalConfig.DefaultMaxBytes);
        if (maxBytes < 1024 * 1024)
        {
            throw settings.Error("max_bytes", $"'journal: max_bytes' must be at least 1M, got {maxBytes}");
        }

        return new JournalConfig(string.IsNullOrEmpty(path) ? null : Path.GetFullPath(path, Path.GetDirectoryName(Path.GetFullPath(source)) ?? "."), sync)
        {
            MaxBytes = maxBytes,
            MaxAge = settings.GetDuration("max_age", JournalConfig.DefaultMaxAge),
        };
    }

    /// <summary>The line of the first '[' or '{' still open at the end of <paramref name="yaml"/> (1 when none is found).</summary>
    private static int UnclosedLine(string yaml)
    {
        var open = new Stack<int>();
        string[] lines = yaml.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            foreach (char c in lines[i].Split('#')[0])
            {
                if (c is '[' or '{')
                {
                    open.Push(i + 1);
                }
                else if (c is ']' or '}' && open.Count > 0)
                {
                    open.Pop();
                }
            }
        }

        return open.Count > 0 ? open.Last() : 1;
    }

    /// <summary>A value or a list of values (endpoints, host names).</summary>
    private static List<string> ReadList(YamlNode value, string source, string key, Func<string, string?> environment, string one = "a name", string entries = "names") => value switch
    {
        YamlScalarNode scalar => [Scalar(scalar, source, environment)!],
        YamlSequenceNode sequence => sequence.Children.Select(n => n is YamlScalarNode s
            ? Scalar(s, source, environment)!
            : throw new PluginConfigurationException($"{source}:{Line(n)}: '{key}' entries must be {entries}")).ToList(),
        _ => throw new PluginConfigurationException($"{source}:{Line(value)}: '{key}' must be {one} or a list of them"),
    };

    private static List<string> ReadEndpoints(YamlNode value, string source, Func<string, string?> environment, string key)
    {
        var endpoints = ReadList(value, source, key, environment, "an endpoint", "endpoints such as tcp://127.0.0.1:5010");
        if (endpoints.Count == 0)
        {
            throw new PluginConfigurationException($"{source}:{Line(value)}: '{key}' needs at least one endpoint");
        }

        foreach (string endpoint in endpoints)
        {
            CheckEndpoint(endpoint, source, value, key);
        }

        return endpoints;
    }

    private static string CheckEndpoint(string endpoint, string source, YamlNode node, string key) =>
        EndpointPattern().IsMatch(endpoint) ? endpoint
            : throw new PluginConfigurationException($"{source}:{Line(node)}: '{key}': '{endpoint}' is not an endpoint such as tcp://127.0.0.1:5010 or ipc:///run/distlog.sock");

    private static List<PluginConfig> ReadPlugins(YamlNode value, string source, Func<string, string?> environment)
    {
        if (value is not YamlSequenceNode sequence)
        {
            throw new PluginConfigurationException($"{source}:{Line(value)}: 'plugins' must be a list");
        }

        var plugins = new List<PluginConfig>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in sequence.Children)
        {
            if (node is not YamlMappingNode mapping)
            {
                throw new PluginConfigurationException($"{source}:{Line(node)}: each plugin must be a mapping with a 'type'");
            }

            var values = new Dictionary<string, (string? Value, int Line)>(StringComparer.Ordinal);
            MatchRule match = MatchRule.All;
            (MatchRule Match, TimeSpan MaxAge)? longRetention = null;
            foreach (var (keyNode, child) in mapping.Children)
            {
                string key = Key(keyNode, source);
                if (key == "match")
                {
                    match = ReadMatch(child, source, environment);
                }
                else if (key == "long_retention")
                {
                    longRetention = ReadLongRetention(keyNode, child, source, environment);
                }
                else if (child is YamlScalarNode scalar)
                {
                    values[key] = (Scalar(scalar, source, environment), Line(keyNode));
                }
                else
                {
                    throw new PluginConfigurationException($"{source}:{Line(keyNode)}: '{key}' must be a single value");
                }
            }

            var settings = new PluginSettings(source, Line(node), values);
            string type = settings.GetRequiredString("type");
            string name = settings.GetString("name") ?? type;
            if (!names.Add(name))
            {
                name = $"{name}#{plugins.Count + 1}";
                names.Add(name);
            }

            int queue = (int)Math.Clamp(settings.GetInt64("queue", 100_000), 1, 100_000_000);
            int batch = (int)Math.Clamp(settings.GetInt64("batch", 1000), 1, 1_000_000);
            plugins.Add(new PluginConfig(type, name, match, queue, batch, settings)
            {
                LongRetention = longRetention,
                DataPath = values.TryGetValue("path", out var path) ? path.Value : null,
            });
        }

        return plugins;
    }

    /// <summary><c>long_retention: {max_age: 90d, match: {...}}</c>: the records a store keeps longer.</summary>
    private static (MatchRule Match, TimeSpan MaxAge) ReadLongRetention(YamlNode keyNode, YamlNode node, string source, Func<string, string?> environment)
    {
        if (node is not YamlMappingNode mapping)
        {
            throw new PluginConfigurationException($"{source}:{Line(node)}: 'long_retention' must be a mapping with 'max_age' and 'match'");
        }

        MatchRule? match = null;
        TimeSpan? maxAge = null;
        foreach (var (childKey, value) in mapping.Children)
        {
            switch (Key(childKey, source))
            {
                case "match":
                    match = ReadMatch(value, source, environment);
                    break;
                case "max_age":
                    maxAge = Settings(source, value, "max_age", environment).GetDuration("max_age", TimeSpan.Zero);
                    break;
                default:
                    throw new PluginConfigurationException($"{source}:{Line(childKey)}: unknown key 'long_retention.{Key(childKey, source)}' (known: max_age, match)");
            }
        }

        return (match ?? throw new PluginConfigurationException($"{source}:{Line(keyNode)}: 'long_retention' needs 'match' (which records to keep longer)"),
            maxAge ?? throw new PluginConfigurationException($"{source}:{Line(keyNode)}: 'long_retention' needs 'max_age'"));
    }

    private static MatchRule ReadMatch(YamlNode node, string source, Func<string, string?> environment)
    {
        if (node is not YamlMappingNode mapping)
        {
            throw new PluginConfigurationException($"{source}:{Line(node)}: 'match' must be a mapping of rules");
        }

        var filter = new RecordQuery();
        string? task = null;
        foreach (var (keyNode, value) in mapping.Children)
        {
            string key = Key(keyNode, source);
            if (!s_matchKeys.Contains(key))
            {
                throw new PluginConfigurationException($"{source}:{Line(keyNode)}: unknown match rule '{key}' (known: {string.Join(", ", s_matchKeys)})");
            }

            if (key == "context")
            {
                if (value is not YamlMappingNode fields)
                {
                    throw new PluginConfigurationException($"{source}:{Line(keyNode)}: 'match.context' must map context fields to values");
                }

                filter = filter with
                {
                    Context = fields.Children.Select(f => new KeyValuePair<string, string>(Key(f.Key, source),
                        f.Value is YamlScalarNode s ? Scalar(s, source, environment) ?? string.Empty
                            : throw new PluginConfigurationException($"{source}:{Line(f.Value)}: 'match.context.{Key(f.Key, source)}' must be a single value"))).ToList(),
                };
                continue;
            }

            string text = value is YamlScalarNode scalar ? Scalar(scalar, source, environment) ?? string.Empty
                : throw new PluginConfigurationException($"{source}:{Line(keyNode)}: 'match.{key}' must be a single value");
            string where = $"{source}:{Line(keyNode)}";
            if (key == "task")
            {
                task = text;
                continue;
            }

            filter = key switch
            {
                "min_level" => filter with { MinLevel = Level(text, where, key) },
                "max_level" => filter with { MaxLevel = Level(text, where, key) },
                "logger" => filter with { LoggerPrefix = text },
                "system" => filter with
                {
                    System = text.Length == 1 && Topic.IsValidSystem(text[0]) ? text[0]
                        : throw new PluginConfigurationException($"{where}: 'match.system' must be P, S or T, got '{text}'"),
                },
                "hostname" => filter with { Hostname = text },
                _ => filter with { Service = text },
            };
        }

        return new MatchRule { Filter = filter, Task = task };
    }

    private static int Level(string text, string where, string key) =>
        Levels.TryParse(text, out int level) ? level
            : throw new PluginConfigurationException($"{where}: 'match.{key}' must be a level name (DEBUG, INFO, WARNING, ERROR, CRITICAL) or number, got '{text}'");

    private static PluginSettings Settings(string source, YamlNode value, string key, Func<string, string?> environment) =>
        value is YamlScalarNode scalar
            ? new PluginSettings(source, Line(value), new Dictionary<string, (string?, int)> { [key] = (Scalar(scalar, source, environment), Line(value)) })
            : throw new PluginConfigurationException($"{source}:{Line(value)}: '{key}' must be a single value");

    private static string Key(YamlNode node, string source) =>
        node is YamlScalarNode { Value: { } key } ? key : throw new PluginConfigurationException($"{source}:{Line(node)}: keys must be plain names");

    private static string? Scalar(YamlScalarNode node, string source, Func<string, string?> environment)
    {
        if (node.Value is null)
        {
            return null;
        }

        return VariablePattern().Replace(node.Value, match =>
        {
            string name = match.Groups["name"].Value;
            string? value = environment(name);
            if (value is not null)
            {
                return value;
            }

            return match.Groups["default"].Success
                ? match.Groups["default"].Value
                : throw new PluginConfigurationException($"{source}:{Line(node)}: environment variable '{name}' is not set");
        });
    }

    private static int Line(YamlNode node) => (int)node.Start.Line;

    [GeneratedRegex(@"\$\{(?<name>[A-Za-z_][A-Za-z0-9_]*)(:-(?<default>[^}]*))?\}")]
    private static partial Regex VariablePattern();

    [GeneratedRegex(@"^https?://([^:/\s]+|\[[0-9a-fA-F:]+\]):\d{1,5}/?$")]
    private static partial Regex ViewerPattern();

    [GeneratedRegex(@"^(tcp://([^:/\s]+|\*|\[[0-9a-fA-F:]+\]):(\d{1,5}|\*)|ipc://.+|inproc://.+)$")]
    private static partial Regex EndpointPattern();
}
