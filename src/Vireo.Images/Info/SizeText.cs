using System.Globalization;

namespace Vireo.Images.Info;

/// <summary>qemu's size formatting and parsing.</summary>
public static class SizeText
{
    private static readonly string[] Suffixes = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];

    /// <summary>qemu's size_to_str: "196 KiB", "1 GiB", "1.5 MiB", "0 B".</summary>
    public static string Human(long value)
    {
        var i = 0;
        if (value > 0)
        {
            // frexp(val / (1000/1024)) exponent, minus one, in steps of ten bits.
            var e = (int)Math.Floor(Math.Log2(value / (1000.0 / 1024.0))) + 1;
            i = Math.Max(0, (e - 1) / 10);
        }
        var div = 1L << (i * 10);
        return ((double)value / div).ToString("G3", CultureInfo.InvariantCulture) + " " + Suffixes[i] + "B";
    }

    /// <summary>Parses "10G", "512M", "1.5T", "4096", "64k" as qemu-img does (binary suffixes, bytes by default).</summary>
    public static long Parse(string text, string what = "size")
    {
        var t = text.Trim();
        if (t.Length == 0) throw new FormatException($"Invalid {what} specified: ''");
        var unit = char.ToUpperInvariant(t[^1]);
        var shift = unit switch { 'B' => 0, 'K' => 10, 'M' => 20, 'G' => 30, 'T' => 40, 'P' => 50, 'E' => 60, _ => -1 };
        var number = shift >= 0 ? t[..^1] : t;
        if (shift < 0) shift = 0;
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || v < 0)
            throw new FormatException($"Invalid {what} specified: '{text}'");
        var bytes = v * Math.Pow(2, shift);
        if (bytes > long.MaxValue / 2) throw new FormatException($"{what} '{text}' is too large");
        return (long)bytes;
    }
}
