using Vireo.Core.Errors;

namespace Vireo.Core.Storage;

/// <summary>
/// libvirt's scaled integers (virScaleInteger): a value with a unit attribute. Units are case-insensitive:
/// b, byte, bytes; k, M, G, T, P, E alone or with "iB" are powers of 1024, with "B" alone powers of 1000.
/// A product that does not fit the limit is refused ("value too large"), never wrapped.
/// </summary>
public static class ScaledSize
{
    /// <summary>A byte count as storage takes it (unit bytes by default), up to 2^63-1 bytes.</summary>
    public static long ToBytes(string value, string? unit, string where) => (long)Scaled(value, unit, 1, long.MaxValue, where);

    /// <summary>The value times its unit, in bytes; <paramref name="defaultScale"/> applies without a unit.</summary>
    public static ulong Scaled(string value, string? unit, ulong defaultScale, ulong limit, string where)
    {
        var text = value.Trim();
        if (text.Length == 0 || !text.All(char.IsAsciiDigit) || !ulong.TryParse(text, out var n))
            throw new VireoException(ErrorCode.XmlValidation, $"invalid value '{Names.Text.Printable(text)}' for {where}: expected a non-negative integer");
        var scale = string.IsNullOrEmpty(unit) ? defaultScale : Scale(unit, where);
        if (n > limit / scale)
            throw new VireoException(ErrorCode.XmlValidation, $"value too large: {n}{unit} for {where} (at most {limit} bytes)");
        return n * scale;
    }

    /// <summary>The number of bytes one <paramref name="unit"/> stands for.</summary>
    public static ulong Scale(string unit, string where)
    {
        if (unit.Length == 0 || unit.ToLowerInvariant() is "b" or "byte" or "bytes") return 1;
        var rest = unit[1..];
        ulong b = rest.Length == 0 || rest.Equals("iB", StringComparison.OrdinalIgnoreCase) ? 1024UL
            : rest.Equals("B", StringComparison.OrdinalIgnoreCase) ? 1000UL : 0UL;
        var p = "kmgtpe".IndexOf(char.ToLowerInvariant(unit[0]));
        if (b == 0 || p < 0)
            throw new VireoException(ErrorCode.XmlValidation, $"unknown unit '{Names.Text.Printable(unit)}' for {where}");
        ulong s = 1;
        for (var i = 0; i <= p; i++) s *= b;
        return s;
    }
}
