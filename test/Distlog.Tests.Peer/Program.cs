// A second process for the cross-process tests.
//   Distlog.Tests.Peer import ENDPOINT FOREIGN_ID       imports the task, logs, runs one subtask, exits
//   Distlog.Tests.Peer flood ENDPOINT COUNT             logs COUNT records in one task and exits at once
//   Distlog.Tests.Peer chatter ENDPOINT CONTROL SERVICE  at Information, logs a Debug and an Information record from
//       the loggers App.Orders.Payments and App.Other every 20 ms, until a line (or the end) comes on stdin
//   Distlog.Tests.Peer tasks ENDPOINT CONTROL           runs tasks X and Y side by side at Information (prints
//       "X id", "Y id"); after "go" on stdin, X waits until Debug is on for it, then both log a Debug and an
//       Information record and print the foreign ids they hand out ("FX id", "FY id")
//   Distlog.Tests.Peer send ENDPOINT CONTROL COUNT RATE  with acknowledged delivery, logs COUNT records ("record N")
//       at about RATE a second in one task, prints "sent" when the last log call returned, and exits once distlogd
//       acknowledged them all (or 60 s passed)
//   Distlog.Tests.Peer spool ENDPOINT CONTROL SPOOL COUNT RATE  as send, with the spool SPOOL, printing "logged N"
//       as each log call returns (COUNT 0: logs nothing, sends what an earlier run left in the spool)
//   Distlog.Tests.Peer import2 ENDPOINT CONTROL ID...   at Information, imports each id and logs a Debug and an
//       Information record in it
// CONTROL is the session's endpoint, or off.
using Distlog;
using Microsoft.Extensions.Logging;

if (args.Length < 3)
{
    Console.Error.WriteLine("usage: Distlog.Tests.Peer import|flood|chatter|tasks|import2 ENDPOINT ARG...");
    return 2;
}

string mode = args[0];
string endpoint = args[1];
bool central = mode is "chatter" or "tasks" or "import2" or "send" or "spool";
string service = mode == "chatter" ? args[3] : mode == "import2" ? "peer2" : "peer";
using (var factory = LoggerFactory.Create(logging => logging
    .AddDistlog(endpoint, o =>
    {
        o.ServiceName = service;
        o.FlushTimeout = TimeSpan.FromSeconds(mode is "send" or "spool" ? 60 : 30);
        o.ControlEndpoint = central ? args[2] : "off";
        o.Spool = mode == "spool" ? args[3] : null;
    })
    .SetMinimumLevel(central ? LogLevel.Information : LogLevel.Trace)))
{
    var logger = factory.CreateLogger("Peer");
    switch (mode)
    {
        case "import":
            using (var remote = logger.ImportTask(args[2], "continued processing", new { host = "peer-host" }))
            {
                logger.LogInformation("working on {Item}", "remote item");
                using (var sub = logger.BeginSubtask("remote subtask", new { step = 1 }))
                {
                    logger.LogDebug("inside remote subtask");
                }

                remote.Success("remote part done");
            }

            break;
        case "flood":
            int count = int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
            using (logger.BeginTask("flood", new { count }))
            {
                for (int i = 0; i < count; i++)
                {
                    logger.LogInformation("record {Index}", i);
                }
            }

            break;
        case "chatter":
            Chatter(factory);
            break;
        case "tasks":
            Tasks(logger);
            break;
        case "send":
            Send(logger, int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture), int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture));
            break;
        case "spool":
            Spool(logger, int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture), int.Parse(args[5], System.Globalization.CultureInfo.InvariantCulture));
            break;
        case "import2":
            foreach (string id in args[3..])
            {
                using (logger.ImportTask(id, "imported piece"))
                {
                    logger.LogDebug("debug in imported piece");
                    logger.LogInformation("information in imported piece");
                }
            }

            break;
        default:
            Console.Error.WriteLine("unknown mode " + mode);
            return 2;
    }
}

Console.WriteLine("peer done");
return 0;

static void Send(ILogger logger, int count, int rate)
{
    var clock = System.Diagnostics.Stopwatch.StartNew();
    using (logger.BeginTask("send", new { count }))
    {
        for (int i = 0; i < count; i++)
        {
            logger.LogInformation("record {N}", i);
            double due = (double)(i + 1) / rate;
            if (clock.Elapsed.TotalSeconds < due)
            {
                Thread.Sleep(TimeSpan.FromSeconds(due - clock.Elapsed.TotalSeconds)); // pacing the log calls, not waiting on anything
            }
        }
    }

    Console.WriteLine("sent");
}

static void Spool(ILogger logger, int count, int rate)
{
    var clock = System.Diagnostics.Stopwatch.StartNew();
    for (int i = 0; i < count; i++)
    {
        logger.LogInformation("record {N}", i);
        Console.WriteLine($"logged {i}"); // the call returned: the record was accepted
        double due = (double)(i + 1) / rate;
        if (clock.Elapsed.TotalSeconds < due)
        {
            Thread.Sleep(TimeSpan.FromSeconds(due - clock.Elapsed.TotalSeconds)); // pacing the log calls, not waiting on anything
        }
    }

    Console.WriteLine("sent");
}

static void Chatter(ILoggerFactory factory)
{
    var payments = factory.CreateLogger("App.Orders.Payments");
    var other = factory.CreateLogger("App.Other");
    var stop = Task.Run(Console.In.ReadLine);
    Console.WriteLine("ready");
    for (int n = 0; !stop.Wait(20); n++)
    {
        payments.LogDebug("payments debug {N}", n);
        payments.LogInformation("payments information {N}", n);
        other.LogDebug("other debug {N}", n);
        other.LogInformation("other information {N}", n);
    }
}

static void Tasks(ILogger logger)
{
    var go = Task.Run(Console.In.ReadLine);
    using var xDone = new ManualResetEventSlim();
    using var yDone = new ManualResetEventSlim();
    var gate = new object();
    void Say(string line)
    {
        lock (gate)
        {
            Console.WriteLine(line);
        }
    }

    var x = new Thread(() =>
    {
        using var task = logger.BeginTask("task X");
        Say("X " + task.Id);
        go.Wait();

        // The rule for this task reaches the session a moment after the test set it.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!logger.IsEnabled(LogLevel.Debug) && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(10); // polling: nothing signals that the rule arrived
        }

        logger.LogDebug("debug in task X");
        logger.LogInformation("information in task X");
        Say("FX " + task.GetForeignTask());
        xDone.Set();
        yDone.Wait();
    });
    var y = new Thread(() =>
    {
        using var task = logger.BeginTask("task Y");
        Say("Y " + task.Id);
        go.Wait();
        xDone.Wait();
        logger.LogDebug("debug in task Y");
        logger.LogInformation("information in task Y");
        Say("FY " + task.GetForeignTask());
        yDone.Set();
    });
    x.Start();
    y.Start();
    x.Join();
    y.Join();
}
