using System.Text;
using Distlog.Daemon.Configuration;
using Distlog.Daemon.Receiving;
using Distlog.Plugins;
using Distlog.Protocol;
using Distlog.Protocol.Control;
using Distlog.Query;

namespace Distlog.Fuzz;

/// <summary>
/// Every decoder of what a peer or a user hands distlog, as a fuzz target: bytes in, and only the exceptions the
/// decoder documents may come out (a message decoder documents none: it counts and reports). Any other exception is a
/// bug, and afl-fuzz keeps its input as a crash. The same targets replay the committed corpus and crash inputs in the
/// tests (test/Distlog.Daemon.Tests/FuzzRegressionTests.cs).
/// </summary>
public static class FuzzTargets
{
    private static readonly byte[] s_singleJson = "PLJ"u8.ToArray();
    private static readonly byte[] s_batchJson = "PBJ"u8.ToArray();
    private static readonly byte[] s_singleMessagePack = "PLM"u8.ToArray();
    private static readonly byte[] s_batchMessagePack = "PBM"u8.ToArray();
    private static readonly byte[] s_pickleTopic = "PLP"u8.ToArray();
    private static readonly PickleRecordCodec s_pickle = new();

    /// <summary>The targets by name, as <c>scripts/fuzz.sh</c> and the corpus folders (<c>fuzz/corpus/NAME</c>) call them.</summary>
    public static IReadOnlyDictionary<string, Action<byte[]>> All { get; } = new Dictionary<string, Action<byte[]>>(StringComparer.Ordinal)
    {
        ["json"] = data => Message(s_singleJson, data),
        ["msgpack"] = data => Message(s_singleMessagePack, data),
        ["batch"] = data =>
        {
            Message(s_batchJson, data);
            Message(s_batchMessagePack, data);
        },
        ["pickle"] = data => Message(s_pickleTopic, data, s_pickle),
        ["stamp"] = data => Message(s_singleJson, "{}"u8.ToArray(), stamp: data),
        ["control"] = Control,
        ["level-request"] = data => Allow<FormatException>(() => LevelRuleRequest.FromJson(data)),
        ["yaml"] = data => Allow<PluginConfigurationException>(() => ConfigLoader.Parse(Encoding.UTF8.GetString(data), "fuzz.yaml", _ => "x")),
        ["query"] = Query,
        ["seeded"] = SeededBug,
    };

    /// <summary>A message as distlogd's receiver takes it: scanned (never throws), every record it accepted then
    /// decoded in full (it must decode, since the scan accepted it), and the whole message decoded the old way too.</summary>
    private static void Message(byte[] topic, byte[] body, IRecordCodec? pickle = null, byte[]? stamp = null)
    {
        byte[][] frames = stamp is null ? [topic, body] : [topic, body, stamp];
        _ = DeliveryStamp.TryRead(stamp ?? [], out _);
        var scanned = MessageDecoder.Scan(frames, 1 << 20, pickle);
        foreach (var record in scanned.Records)
        {
            _ = record.Record ?? RecordCodecs.ForEncoding(topic[2])!.Decode(record.Body);
        }

        _ = MessageDecoder.Decode(frames, 1 << 20, pickle);
    }

    /// <summary>A session message: frames split at newlines (header, verb, body), then the rules it carries.</summary>
    private static void Control(byte[] data)
    {
        var frames = Split(data, (byte)'\n', 4);
        if (ControlMessage.TryRead(frames, out _, out var body, out _))
        {
            Allow<FormatException>(() => ControlMessage.ReadRules(body, DateTimeOffset.UnixEpoch, relative: true));
        }
    }

    /// <summary>The query text of <c>distlog query</c> and the viewer's filters: lines of <c>name=value</c>.</summary>
    private static void Query(byte[] data)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var context = new List<string>();
        foreach (string line in Encoding.UTF8.GetString(data).Split('\n'))
        {
            int equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                continue;
            }

            if (line[..equals] == "context")
            {
                context.Add(line[(equals + 1)..]);
            }
            else
            {
                values[line[..equals]] = line[(equals + 1)..];
            }
        }

        Allow<FormatException>(() => RecordQueryText.Parse(name => values.GetValueOrDefault(name), context));
    }

    /// <summary>A decoder with a bug planted for the fuzz job to find (it throws on input starting <c>dl!</c>):
    /// the proof, in every CI run, that the harness finds a crash that is there.</summary>
    private static void SeededBug(byte[] data)
    {
        // One branch a byte, so that each right byte is new coverage that afl-fuzz keeps and builds on.
        if (data.Length > 0 && data[0] == 'd')
        {
            if (data.Length > 1 && data[1] == 'l')
            {
                if (data.Length > 2 && data[2] == '!')
                {
                    throw new InvalidOperationException("the seeded bug was found");
                }
            }
        }
    }

    private static void Allow<TException>(Action action)
        where TException : Exception
    {
        try
        {
            action();
        }
        catch (TException)
        {
            // documented: the caller reports it
        }
    }

    private static List<byte[]> Split(byte[] data, byte separator, int most)
    {
        var frames = new List<byte[]>();
        int start = 0;
        for (int i = 0; i < data.Length && frames.Count < most - 1; i++)
        {
            if (data[i] == separator)
            {
                frames.Add(data[start..i]);
                start = i + 1;
            }
        }

        frames.Add(data[start..]);
        return frames;
    }
}
