using System.Buffers.Binary;
using System.Text;

namespace Vireo.Images.Iso;

/// <summary>ISO 9660 field encodings: both-endian integers, padded strings, dates.</summary>
internal static class IsoFields
{
    public const int SectorSize = 2048;

    public static void Both32(Span<byte> b, uint v)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(b, v);
        BinaryPrimitives.WriteUInt32BigEndian(b[4..], v);
    }

    public static void Both16(Span<byte> b, ushort v)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(b, v);
        BinaryPrimitives.WriteUInt16BigEndian(b[2..], v);
    }

    public static void Ascii(Span<byte> b, string s)
    {
        b.Fill((byte)' ');
        Encoding.ASCII.GetBytes(s.AsSpan(0, Math.Min(s.Length, b.Length)), b);
    }

    /// <summary>Joliet text fields: UCS-2 big-endian, space padded.</summary>
    public static void Ucs2(Span<byte> b, string s)
    {
        for (var i = 0; i + 1 < b.Length; i += 2) { b[i] = 0; b[i + 1] = (byte)' '; }
        var bytes = Encoding.BigEndianUnicode.GetBytes(s);
        bytes.AsSpan(0, Math.Min(bytes.Length, b.Length & ~1)).CopyTo(b);
    }

    /// <summary>The 17-byte volume descriptor date ("YYYYMMDDHHMMSScc" + GMT offset).</summary>
    public static void LongDate(Span<byte> b, DateTimeOffset t)
    {
        Encoding.ASCII.GetBytes(t.UtcDateTime.ToString("yyyyMMddHHmmss") + "00", b);
        b[16] = 0;
    }

    /// <summary>The 7-byte directory record date.</summary>
    public static void ShortDate(Span<byte> b, DateTimeOffset t)
    {
        var u = t.UtcDateTime;
        b[0] = (byte)(u.Year - 1900); b[1] = (byte)u.Month; b[2] = (byte)u.Day;
        b[3] = (byte)u.Hour; b[4] = (byte)u.Minute; b[5] = (byte)u.Second; b[6] = 0;
    }
}
