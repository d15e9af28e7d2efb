using System.Diagnostics;
using System.Globalization;
using NetMQ;
using NetMQ.Sockets;

namespace Distlog.Benchmarks;

/// <summary>
/// Should records travel on the session (DEALER → ROUTER) instead of PUSH → PULL? The two socket pairs, NetMQ on
/// loopback, moving the same two-frame messages — a client's 32 KiB batch, and one 650-byte record — as fast as
/// one sender thread can; rounds in turn, A B A B, medians of messages a second.
/// </summary>
internal static class TransportHarness
{
    public static int Run(int rounds)
    {
        var cases = new (string Name, int Bytes, int Count)[] { ("batch 32 KiB", 32 * 1024, 10_000), ("one record 650 B", 650, 200_000) };
        Console.WriteLine("| message | PUSH → PULL (msg/s) | DEALER → ROUTER (msg/s) | ROUTER/PULL |");
        Console.WriteLine("| --- | --- | --- | --- |");
        foreach (var (name, bytes, count) in cases)
        {
            var push = new List<double>();
            var dealer = new List<double>();
            var ratios = new List<double>();
            Measure(new PushSocket(), new PullSocket(), bytes, count / 10); // warm-up
            Measure(new DealerSocket(), new RouterSocket(), bytes, count / 10);
            for (int i = 0; i < rounds; i++)
            {
                double a = Measure(new PushSocket(), new PullSocket(), bytes, count);
                double b = Measure(new DealerSocket(), new RouterSocket(), bytes, count);
                push.Add(a);
                dealer.Add(b);
                ratios.Add(b / a);
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {Median(push):N0} | {Median(dealer):N0} | {Median(ratios):0.00}x |"));
        }

        return 0;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    /// <summary>Messages a second from the first send until the receiver has taken the last.</summary>
    private static double Measure(NetMQSocket sender, NetMQSocket receiver, int bytes, int count)
    {
        using (sender)
        using (receiver)
        {
            receiver.Options.ReceiveHighWatermark = 1000;
            sender.Options.SendHighWatermark = 256;
            int port = receiver.BindRandomPort("tcp://127.0.0.1");
            sender.Connect($"tcp://127.0.0.1:{port}");
            byte[] topic = "PBJ"u8.ToArray();
            byte[] body = new byte[bytes];
            Random.Shared.NextBytes(body);
            bool router = receiver is RouterSocket;

            // One message first, so the connection exists before the clock starts.
            sender.SendMoreFrame(topic).SendFrame(body);
            Receive(receiver, router);
            var received = new Thread(() =>
            {
                for (int i = 0; i < count; i++)
                {
                    Receive(receiver, router);
                }
            });
            long start = Stopwatch.GetTimestamp();
            received.Start();
            for (int i = 0; i < count; i++)
            {
                sender.SendMoreFrame(topic).SendFrame(body);
            }

            received.Join();
            return count / Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
    }

    private static void Receive(NetMQSocket socket, bool router)
    {
        var msg = default(Msg);
        msg.InitEmpty();
        for (int frames = router ? 3 : 2; frames > 0; frames--)
        {
            socket.Receive(ref msg);
        }

        msg.Close();
    }
}
