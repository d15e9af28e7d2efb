using System.Text.Json;

namespace Distlog.Daemon.Journal;

/// <summary>Each plugin's journal cursor, kept in <c>cursors.json</c> beside the segments (written whole and renamed
/// into place, so a crash leaves the old file or the new one).</summary>
internal static class CursorFile
{
    public static Dictionary<string, long> Read(string path)
    {
        try
        {
            return File.Exists(path)
                ? JsonSerializer.Deserialize(File.ReadAllBytes(path), CursorJson.Default.DictionaryStringInt64) ?? []
                : [];
        }
        catch (JsonException)
        {
            return []; // unreadable: every plugin starts from the oldest segment, and the stores drop what they have
        }
    }

    public static void Write(string path, IReadOnlyDictionary<string, long> cursors)
    {
        string temporary = path + ".tmp";
        File.WriteAllBytes(temporary, JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, long>(cursors), CursorJson.Default.DictionaryStringInt64));
        File.Move(temporary, path, overwrite: true);
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, long>))]
internal sealed partial class CursorJson : System.Text.Json.Serialization.JsonSerializerContext;
