using System.Net.Sockets;
using System.Text;
using Distlog.Daemon;
using Distlog.Daemon.Configuration;
using Distlog.Protocol;
using Distlog.Tests.Shared;
using Microsoft.Extensions.Logging;
using NetMQ;
using Xunit;

namespace Distlog.Cli.Tests;

/// <summary>
/// CURVE end to end: a real distlogd (libzmq sockets, ZAP) with <c>curve:</c>, real clients (the provider's NetMQ
/// and libzmq sockets), and peers that must store nothing: no server key (plain ZMTP), a wrong server key, a key not
/// in <c>clients:</c>, and raw unencrypted ZMTP written at the port by hand.
/// </summary>
public sealed class CurveTests : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("distlog-curve-").FullName;
    private readonly NetMQCertificate _server = new();
    private readonly NetMQCertificate _allowed = new();
    private readonly NetMQCertificate _allowedToo = new();
    private readonly NetMQCertificate _stranger = new();
    private DaemonHost _host = null!;

    public async Task InitializeAsync() => _host = await StartAsync(_folder, string.Empty);

    private async Task<DaemonHost> StartAsync(string folder, string curveExtra)
    {
        string clients = Path.Combine(folder, "clients.keys");
        File.WriteAllText(clients, $"# who may log\n{_allowed.PublicKeyZ85} orders-service\n{_allowedToo.PublicKeyZ85}   # no name\n");
        File.WriteAllText(Path.Combine(folder, "server.key"), _server.SecretKeyZ85 + "\n");
        var config = ConfigLoader.Parse(
            $"""
            listen: tcp://127.0.0.1:*
            control: tcp://127.0.0.1:*
            curve:
              secret_key_file: {folder}/server.key
              public_key: "{_server.PublicKeyZ85}"
              clients: {clients}
              {curveExtra}
            journal:
              path: {folder}/journal
            stats_interval: 0s
            stats_endpoint: tcp://127.0.0.1:*
            plugins:
              - type: file
                path: {folder}/records.jsonl
              - type: publish
                endpoint: tcp://127.0.0.1:*
            """,
            Path.Combine(folder, "distlogd.yaml"));
        var host = new DaemonHost(config, LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning)));
        await host.StartAsync();
        return host;
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public void OnlyClientsWithAnAllowedKeyStoreRecords_EveryOtherPeerStoresNothing_AndIsCountedByReason()
    {
        const int Count = 300;
        string data = _host.Endpoints[0];
        Assert.Contains("(CURVE, 2 client keys)", _host.Summary, StringComparison.Ordinal);

        // The peers that must store nothing, all sending at once with the allowed ones.
        using (var noKey = Client("no-key", data, curve: null))
        using (var wrongServerKey = Client("wrong-server-key", data, Curve(new NetMQCertificate().PublicKeyZ85, _allowed)))
        using (var notInClients = Client("not-in-clients", data, Curve(_server.PublicKeyZ85, _stranger)))
        using (var allowed = Client("allowed", data, Curve(_server.PublicKeyZ85, _allowed), session: true))
        using (var allowedLibzmq = Client("allowed-libzmq", data, Curve(_server.PublicKeyZ85, _allowedToo), transport: DistlogTransport.Libzmq))
        {
            foreach (var client in (DistlogLoggerProvider[])[noKey, wrongServerKey, notInClients, allowed, allowedLibzmq])
            {
                var logger = client.CreateLogger("Test");
                for (int i = 0; i < Count; i++)
                {
                    logger.LogWarning("record {Number}", i);
                }
            }

            SendRawZmtp(data);

            Wait.Until(() => Stored("allowed") == Count && Stored("allowed-libzmq") == Count, () => $"the allowed clients' records ({Stored("allowed")}, {Stored("allowed-libzmq")} of {Count})");
            var curve = _host.Curve!;
            Wait.Until(
                () => curve.Refused.GetValueOrDefault("not CURVE (plain ZMTP)") >= 2 && curve.Refused.GetValueOrDefault("wrong server key") >= 1 && curve.Refused.GetValueOrDefault("not in clients") >= 1,
                () => "refusals of every kind: " + string.Join(", ", curve.Refused.Select(r => $"{r.Key}={r.Value}")));

            // The allowed session joined over CURVE and acknowledged what it sent.
            Wait.Until(() => _host.Control!.Components.Any(c => c.Service == "allowed"), () => "the allowed client's session");
            Wait.Until(() => allowed.Statistics.Acknowledged == Count, () => $"acknowledgements ({allowed.Statistics.Acknowledged} of {Count})");
        }

        // Refused peers never got past the handshake: none of their records is stored, then or later.
        var records = Records();
        Assert.Equal(2 * Count, records.Count);
        Assert.DoesNotContain(records, r => r.Service is "no-key" or "wrong-server-key" or "not-in-clients" or "raw");
    }

    [Fact]
    public void AKeyAddedToTheClientsFile_IsLetInWithoutARestart()
    {
        string data = _host.Endpoints[0];
        using var late = Client("late", data, Curve(_server.PublicKeyZ85, _stranger));
        late.CreateLogger("Test").LogWarning("before");
        Wait.Until(() => _host.Curve!.Refused.GetValueOrDefault("not in clients") >= 1, () => "the stranger refused");
        Assert.Empty(Records());

        File.AppendAllText(Path.Combine(_folder, "clients.keys"), $"{_stranger.PublicKeyZ85} late-comer\n");

        // Without a session a record is sent at most once: one that meets a connection being refused may be lost, so
        // records go until one is stored (each a new one: the client never sends a record twice).
        Wait.Until(
            () =>
            {
                late.CreateLogger("Test").LogWarning("after");
                return Records().Any(r => r.Message == "after");
            },
            () => $"a record sent once its key was added (refused: {string.Join(", ", _host.Curve!.Refused.Select(r => $"{r.Key}={r.Value}"))}; the client: {late.Statistics})");
    }

    [Fact]
    public async Task AClientPastMaxConnections_IsRefusedAtItsHandshake()
    {
        string folder = Directory.CreateTempSubdirectory("distlog-curve-max-").FullName;
        try
        {
            await using var host = await StartAsync(folder, "max_connections: 1");
            string data = host.Endpoints[0];
            using var first = Client("first", data, Curve(_server.PublicKeyZ85, _allowed));
            first.CreateLogger("Test").LogWarning("first");
            Wait.Until(() => RecordFile.Read(Path.Combine(folder, "records.jsonl")).Any(r => r.Message == "first"), () => "the first client's record");

            using var second = Client("second", data, Curve(_server.PublicKeyZ85, _allowedToo));
            second.CreateLogger("Test").LogWarning("second");
            Wait.Until(() => host.Curve!.Refused.GetValueOrDefault("over max_connections") >= 1, () => "the second client refused");
            Assert.DoesNotContain(RecordFile.Read(Path.Combine(folder, "records.jsonl")), r => r.Message == "second");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Keygen_PrintsAPair_OrWritesTheSecretReadableByItsOwnerOnly()
    {
        string distlogd = ChildProcess.ProjectDll("src/Distlog.Daemon", "distlogd");
        var (code, stdout, stderr) = ChildProcess.RunDll(distlogd, "keygen");
        Assert.True(code == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.StartsWith("public_key: ", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("secret_key: ", lines[1], StringComparison.Ordinal);
        var pair = NetMQCertificate.CreateFromSecretKey(lines[1]["secret_key: ".Length..]);
        Assert.Equal(lines[0]["public_key: ".Length..], pair.PublicKeyZ85);

        string name = Path.Combine(_folder, "client");
        (code, _, stderr) = ChildProcess.RunDll(distlogd, "keygen", "--out", name);
        Assert.True(code == 0, stderr);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(name + ".key"));
        }

        var written = NetMQCertificate.CreateFromSecretKey(File.ReadAllText(name + ".key").Trim());
        Assert.Equal(File.ReadAllText(name + ".pub").Trim(), written.PublicKeyZ85);

        // It never overwrites a key.
        (code, _, stderr) = ChildProcess.RunDll(distlogd, "keygen", "--out", name);
        Assert.Equal(1, code);
        Assert.Contains("already exists", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void RawUnencryptedZmtp_IsCutOffAtTheGreeting()
    {
        SendRawZmtp(_host.Endpoints[0]);
        Wait.Until(() => _host.Curve!.Refused.GetValueOrDefault("not CURVE (plain ZMTP)") >= 1, () => "the raw peer refused");
        Assert.Empty(Records());
    }

    [Fact]
    public void StatsAndPublish_AnswerOnlyAllowedClients()
    {
        string keyFile = Path.Combine(_folder, "allowed.key");
        File.WriteAllText(keyFile, _allowed.SecretKeyZ85 + "\n");

        // distlogd stats, as a user runs it, with the server's public key and a client key file.
        var (code, stdout, stderr) = ChildProcess.RunDll(ChildProcess.ProjectDll("src/Distlog.Daemon", "distlogd"), "stats", "--endpoint", _host.StatsEndpoint!, "--server-key", _server.PublicKeyZ85, "--key-file", keyFile);
        Assert.True(code == 0, stderr);
        Assert.Contains("\"curve_refused\"", stdout, StringComparison.Ordinal);

        // Without keys the stats socket answers nothing: the plain peer is refused at its greeting.
        long plainBefore = _host.Curve!.Refused.GetValueOrDefault("not CURVE (plain ZMTP)");
        Assert.Null(StatsServer.Query(_host.StatsEndpoint!, TimeSpan.FromSeconds(2)));
        Assert.True(_host.Curve.Refused.GetValueOrDefault("not CURVE (plain ZMTP)") > plainBefore);

        // The publish plugin's subscribers: an allowed one reads records, a stranger is refused.
        string published = _host.Plugins.OfType<Daemon.Plugins.PublishPlugin>().Single().Endpoint;
        using var reader = new NetMQ.Sockets.SubscriberSocket();
        Native.CurveClientKeys.Apply(reader, _server.PublicKeyZ85, keyFile);
        reader.Connect(published);
        reader.SubscribeToAnyTopic();
        File.WriteAllText(Path.Combine(_folder, "stranger.key"), _stranger.SecretKeyZ85 + "\n");
        using var stranger = new NetMQ.Sockets.SubscriberSocket();
        Native.CurveClientKeys.Apply(stranger, _server.PublicKeyZ85, Path.Combine(_folder, "stranger.key"));
        stranger.Connect(published);
        stranger.SubscribeToAnyTopic();
        Wait.Until(() => _host.Curve.Refused.GetValueOrDefault("not in clients") >= 1, () => "the stranger subscriber refused");

        using var client = Client("publisher", _host.Endpoints[0], Curve(_server.PublicKeyZ85, _allowed));
        var logger = client.CreateLogger("Test");
        var frames = new List<byte[]>();
        Wait.Until(() =>
        {
            // A subscriber joins a PUB socket a moment after it connects: log until one record comes through.
            logger.LogWarning("published");
            return reader.TryReceiveMultipartBytes(TimeSpan.FromMilliseconds(100), ref frames!, 2);
        }, () => "a published record at the allowed subscriber");
        Assert.Contains("published", Encoding.UTF8.GetString(frames[1]), StringComparison.Ordinal);
        Assert.False(stranger.TryReceiveMultipartBytes(TimeSpan.Zero, ref frames!, 2));
    }

    private static DistlogCurveOptions Curve(string server, NetMQCertificate own) =>
        new() { ServerPublicKey = server, PublicKey = own.PublicKeyZ85, SecretKey = own.SecretKeyZ85 };

    private DistlogLoggerProvider Client(string service, string endpoint, DistlogCurveOptions? curve, bool session = false, DistlogTransport transport = DistlogTransport.NetMQ) =>
        new(new DistlogOptions
        {
            ServiceName = service,
            Endpoint = endpoint,
            ControlEndpoint = session ? _host.Control!.Endpoints[0] : "off",
            Curve = curve ?? new DistlogCurveOptions(),
            Transport = transport,
            SelfLog = _ => { },
        });

    private int Stored(string service) => Records().Count(r => r.Service == service);

    private List<LogRecord> Records() => RecordFile.Read(Path.Combine(_folder, "records.jsonl"));

    /// <summary>A ZMTP 3.0 peer written by hand: the NULL mechanism's greeting, READY as a PUSH socket, one message.
    /// distlogd must close the connection without reading the message.</summary>
    private static void SendRawZmtp(string endpoint)
    {
        var uri = new Uri(endpoint.Replace("tcp://", "http://", StringComparison.Ordinal));
        using var tcp = new TcpClient(uri.Host, uri.Port);
        using var stream = tcp.GetStream();
        stream.ReadTimeout = 10_000;
        var greeting = new byte[64];
        greeting[0] = 0xFF;
        greeting[9] = 0x7F;
        greeting[10] = 3; // version 3.0
        Encoding.ASCII.GetBytes("NULL").CopyTo(greeting, 12);
        stream.Write(greeting);

        var ready = new List<byte> { 5 };
        ready.AddRange("READY"u8.ToArray());
        ready.Add(11);
        ready.AddRange("Socket-Type"u8.ToArray());
        ready.AddRange(new byte[] { 0, 0, 0, 4 });
        ready.AddRange("PUSH"u8.ToArray());
        stream.Write([0x04, (byte)ready.Count, .. ready]);

        byte[] topic = Encoding.ASCII.GetBytes("P.raw.json");
        byte[] body = Encoding.UTF8.GetBytes("""{"name":"raw","msg":"raw","levelno":30,"levelname":"WARNING","created":1700000000.0,"service":"raw"}""");
        stream.Write([0x01, (byte)topic.Length, .. topic, 0x00, (byte)body.Length, .. body]);

        // distlogd answers with its own greeting (CURVE), then closes: read to the end.
        var buffer = new byte[256];
        try
        {
            while (stream.Read(buffer) > 0)
            {
            }
        }
        catch (IOException)
        {
            // a reset is as good as a close
        }
    }
}
