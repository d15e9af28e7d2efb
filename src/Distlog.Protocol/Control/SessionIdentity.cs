using System.Text.Json;

namespace Distlog.Protocol.Control;

/// <summary>Who a client is, as it says in its HELLO: the instance (one per provider, new every run), its service,
/// host, process id and name, distlog version and system.</summary>
internal sealed record SessionIdentity(string Instance, string Service, string Host, int Pid, string ProcessName, string Version, char System)
{
    public void Write(Utf8JsonWriter w)
    {
        w.WriteString("instance", Instance);
        w.WriteString("service", Service);
        w.WriteString("host", Host);
        w.WriteNumber("pid", Pid);
        w.WriteString("process", ProcessName);
        w.WriteString("version", Version);
        w.WriteString("system", System.ToString());
    }

    /// <exception cref="FormatException">A field is missing or too long.</exception>
    public static SessionIdentity Read(JsonElement body)
    {
        static string Field(JsonElement body, string name) =>
            ControlMessage.String(body, name) is { Length: > 0 and <= 256 } value && !value.Any(char.IsControl)
                ? value
                : throw new FormatException($"HELLO without a usable '{name}'");

        string system = Field(body, "system");
        return new SessionIdentity(
            Field(body, "instance"),
            Field(body, "service"),
            Field(body, "host"),
            (int)Math.Clamp(ControlMessage.Number(body, "pid"), 0, int.MaxValue),
            Field(body, "process"),
            Field(body, "version"),
            system.Length == 1 && Topic.IsValidSystem(system[0]) ? system[0] : throw new FormatException($"HELLO with a bad system '{system}'"));
    }
}
