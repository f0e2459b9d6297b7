using System.Globalization;
using System.Text;

namespace Vireo.Images.Cpio;

public sealed record CpioEntry(string Name, uint Mode, byte[] Data, uint RdevMajor, uint RdevMinor);

/// <summary>Reads a newc cpio archive; corrupt input throws with the offset and what was expected.</summary>
public static class CpioNewcReader
{
    public static IEnumerable<CpioEntry> Read(Stream s)
    {
        long pos = 0;
        var header = new byte[CpioNewcWriter.HeaderSize];
        while (true)
        {
            var start = pos;
            ReadExactly(s, header, ref pos, start);
            if (Encoding.ASCII.GetString(header, 0, 6) != CpioNewcWriter.Magic)
                throw new InvalidDataException($"cpio: expected magic 070701 at offset {start}");
            uint F(int i) => uint.Parse(Encoding.ASCII.GetString(header, 6 + i * 8, 8), NumberStyles.HexNumber);
            var (mode, size, rmaj, rmin, nameSize) = (F(1), F(6), F(9), F(10), F(11));
            var name = new byte[nameSize];
            ReadExactly(s, name, ref pos, start);
            Skip(s, ref pos);
            var text = Encoding.UTF8.GetString(name, 0, (int)Math.Max(0, nameSize - 1));
            if (text == CpioNewcWriter.TrailerName) yield break;
            var data = new byte[size];
            ReadExactly(s, data, ref pos, start);
            Skip(s, ref pos);
            yield return new CpioEntry(text, mode, data, rmaj, rmin);
        }
    }

    private static void ReadExactly(Stream s, byte[] buf, ref long pos, long entry)
    {
        try { s.ReadExactly(buf); }
        catch (EndOfStreamException) { throw new InvalidDataException($"cpio: truncated entry at offset {entry}"); }
        pos += buf.Length;
    }

    private static void Skip(Stream s, ref long pos)
    {
        var pad = (int)((4 - pos % 4) % 4);
        if (pad == 0) return;
        var b = new byte[pad];
        ReadExactly(s, b, ref pos, pos);
    }
}
