using System.Text;
using Distlog.Daemon.Receiving;
using Distlog.Daemon.Tests.Support;
using Distlog.Protocol;
using NetMQ;
using NetMQ.Sockets;
using Xunit;

namespace Distlog.Daemon.Tests;

public class PickleTests
{
    // The seed's first record as Python 3.11's pickle.dumps wrote it (protocols 2 and 4).
    private const string Protocol2 = "gAJ9cQAoWAcAAABjb250ZXh0cQF9cQIoWAMAAABrZXlxA1gmAAAAMEBlMjUyYTExZi1kMzNkLTQ4M2QtYmEwOC1iYzhmNjQyYjJmMTBxBFgEAAAAdXNlcnEFWAMAAABsZW9xBnVYCAAAAGZpbGVuYW1lcQdYCgAAAGV4YW1wbGUucHlxCFgIAAAAZnVuY05hbWVxCVgEAAAAbWFpbnEKWAoAAABzdGFja19pbmZvcQtOWAQAAABhcmdzcQxOWAcAAABwcm9jZXNzcQ1NDBhYCAAAAGhvc3RuYW1lcQ5YBgAAAG9iZWxpeHEPWAUAAABtc2Vjc3EQR0BigiTYAAAAWAcAAABtZXNzYWdlcRFYCAAAAHRvcGxldmVscRJYBAAAAG5hbWVxE1gEAAAAcm9vdHEUWAYAAABtb2R1bGVxFVgHAAAAZXhhbXBsZXEWWAYAAAB0aHJlYWRxF4oGAHci7hp/WAMAAABtc2dxGFgIAAAAdG9wbGV2ZWxxGVgGAAAAbGluZW5vcRpLDVgKAAAAdGhyZWFkTmFtZXEbWAoAAABNYWluVGhyZWFkcRxYCAAAAGV4Y190ZXh0cR1OWAgAAABleGNfaW5mb3EeTlgHAAAAbGV2ZWxub3EfSxRYBwAAAGFzY3RpbWVxIFgXAAAAMjAxOC0wNC0xOCAyMzowMzoxOSwxNDhxIVgPAAAAcmVsYXRpdmVDcmVhdGVkcSJHQRcnAuizAABYCQAAAGxldmVsbmFtZXEjWAQAAABJTkZPcSRYCwAAAHByb2Nlc3NOYW1lcSVYCwAAAE1haW5Qcm9jZXNzcSZYBwAAAGNyZWF0ZWRxJ0dB1rXspcl57lgIAAAAcGF0aG5hbWVxKFggAAAAL2hvbWUvbGVvL3NyYy9kaXN0bG9nL2V4YW1wbGUucHlxKVgIAAAAdGFza05hbWVxKk51Lg==";
    private const string Protocol4 = "gASVHQIAAAAAAAB9lCiMB2NvbnRleHSUfZQojANrZXmUjCYwQGUyNTJhMTFmLWQzM2QtNDgzZC1iYTA4LWJjOGY2NDJiMmYxMJSMBHVzZXKUjANsZW+UdYwIZmlsZW5hbWWUjApleGFtcGxlLnB5lIwIZnVuY05hbWWUjARtYWlulIwKc3RhY2tfaW5mb5ROjARhcmdzlE6MB3Byb2Nlc3OUTQwYjAhob3N0bmFtZZSMBm9iZWxpeJSMBW1zZWNzlEdAYoIk2AAAAIwHbWVzc2FnZZSMCHRvcGxldmVslIwEbmFtZZSMBHJvb3SUjAZtb2R1bGWUjAdleGFtcGxllIwGdGhyZWFklIoGAHci7hp/jANtc2eUjAh0b3BsZXZlbJSMBmxpbmVub5RLDYwKdGhyZWFkTmFtZZSMCk1haW5UaHJlYWSUjAhleGNfdGV4dJROjAhleGNfaW5mb5ROjAdsZXZlbG5vlEsUjAdhc2N0aW1llIwXMjAxOC0wNC0xOCAyMzowMzoxOSwxNDiUjA9yZWxhdGl2ZUNyZWF0ZWSUR0EXJwLoswAAjAlsZXZlbG5hbWWUjARJTkZPlIwLcHJvY2Vzc05hbWWUjAtNYWluUHJvY2Vzc5SMB2NyZWF0ZWSUR0HWteylyXnujAhwYXRobmFtZZSMIC9ob21lL2xlby9zcmMvZGlzdGxvZy9leGFtcGxlLnB5lIwIdGFza05hbWWUTnUu";

    // {'name': 'x', 'msg': <object whose __reduce__ is os.system('touch /tmp/distlog-pickle-pwned')>}
    private const string Malicious = "gAJ9cQAoWAQAAABuYW1lcQFYAQAAAHhxAlgDAAAAbXNncQNjcG9zaXgKc3lzdGVtCnEEWB8AAAB0b3VjaCAvdG1wL2Rpc3Rsb2ctcGlja2xlLXB3bmVkcQWFcQZScQd1Lg==";

    [Theory]
    [InlineData(Protocol2)]
    [InlineData(Protocol4)]
    public void PythonPickle_DecodesToTheSeedRecord(string base64)
    {
        var record = new PickleRecordCodec().Decode(Convert.FromBase64String(base64));

        Assert.Equal("0@e252a11f-d33d-483d-ba08-bc8f642b2f10", record.Context!.Key);
        Assert.Equal("leo", record.Context.Data.Single(p => p.Key == "user").Value);
        Assert.Equal("toplevel", record.Message);
        Assert.Equal(20, record.LevelNo);
        Assert.Equal(139753641113344, record.Thread);
        Assert.Equal(1524085399.148067, record.Created);
    }

    [Fact]
    public void MaliciousPickle_RunsNothing()
    {
        const string marker = "/tmp/distlog-pickle-pwned";
        File.Delete(marker);

        try
        {
            var record = new PickleRecordCodec().Decode(Convert.FromBase64String(Malicious));
            Assert.Equal("x", record.Name);
        }
        catch (RecordFormatException)
        {
            // Rejecting it is fine too; running it is not.
        }

        Assert.False(File.Exists(marker), "unpickling ran code");
    }

    [Fact]
    public async Task Daemon_RejectsPickleByDefault_AndDecodesItWhenAccepted()
    {
        foreach (bool accept in new[] { false, true })
        {
            await using var daemon = await RunningDaemon.StartAsync(accept ? "accept_pickle: true\n" : "", topLevel: true);
            using (var push = new PushSocket())
            {
                push.Options.Linger = TimeSpan.FromSeconds(10);
                push.Connect(daemon.Endpoint);
                push.SendMoreFrame("PLP"u8.ToArray()).SendFrame(Convert.FromBase64String(Protocol2));
                push.SendMoreFrame("PLJ"u8.ToArray()).SendFrame(Encoding.UTF8.GetBytes("{\"name\": \"after\", \"message\": \"json after pickle\"}"));
                var records = daemon.WaitForFileRecords(accept ? 2 : 1);
                Assert.Equal(accept ? ["toplevel", "json after pickle"] : ["json after pickle"], records.Select(r => r.Message));
            }

            Assert.Equal(accept ? 0 : 1, daemon.Host.Statistics.Rejected.GetValueOrDefault(RejectReason.Pickle));
        }
    }
}
