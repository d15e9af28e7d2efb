using System.Buffers.Binary;
using System.Text;

namespace Distlog.Daemon.Tests.Support;

/// <summary>Decodes protobuf's wire format without a schema: each field as its number and raw value (a varint or
/// fixed number as ulong, a length-delimited field as bytes, to be decoded again as a message or read as text).</summary>
internal static class ProtoReader
{
    public static List<(int Field, object Value)> Fields(ReadOnlySpan<byte> data)
    {
        var fields = new List<(int, object)>();
        int pos = 0;
        while (pos < data.Length)
        {
            ulong tag = Varint(data, ref pos);
            int field = (int)(tag >> 3);
            switch ((int)(tag & 7))
            {
                case 0:
                    fields.Add((field, Varint(data, ref pos)));
                    break;
                case 1:
                    fields.Add((field, BinaryPrimitives.ReadUInt64LittleEndian(data[pos..])));
                    pos += 8;
                    break;
                case 2:
                    int length = (int)Varint(data, ref pos);
                    fields.Add((field, data.Slice(pos, length).ToArray()));
                    pos += length;
                    break;
                case 5:
                    fields.Add((field, (ulong)BinaryPrimitives.ReadUInt32LittleEndian(data[pos..])));
                    pos += 4;
                    break;
                default:
                    throw new FormatException($"wire type {tag & 7} at {pos}");
            }
        }

        return fields;
    }

    public static IEnumerable<byte[]> Messages(this List<(int Field, object Value)> fields, int field) =>
        fields.Where(f => f.Field == field).Select(f => (byte[])f.Value);

    public static string? Text(this List<(int Field, object Value)> fields, int field) =>
        fields.Where(f => f.Field == field).Select(f => Encoding.UTF8.GetString((byte[])f.Value)).FirstOrDefault();

    public static ulong? Number(this List<(int Field, object Value)> fields, int field) =>
        fields.Where(f => f.Field == field).Select(f => (ulong?)f.Value).FirstOrDefault();

    private static ulong Varint(ReadOnlySpan<byte> data, ref int pos)
    {
        ulong value = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte b = data[pos++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }
    }
}
