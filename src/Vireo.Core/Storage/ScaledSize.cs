using Vireo.Core.Errors;

namespace Vireo.Core.Storage;

/// <summary>libvirt's scaled integers for storage: a value with a unit attribute, in bytes by default.</summary>
public static class ScaledSize
{
    public static long ToBytes(string value, string? unit, string where)
    {
        if (!ulong.TryParse(value.Trim(), out var n))
            throw new VireoException(ErrorCode.XmlValidation, $"invalid value '{value.Trim()}' for {where}: expected a non-negative integer");
        var scale = Scale(unit ?? "B", where);
        if (n > (ulong)long.MaxValue / scale) throw new VireoException(ErrorCode.XmlValidation, $"value '{value.Trim()}{unit}' for {where} is too large");
        return (long)(n * scale);
    }

    /// <summary>The units virsh and libvirt accept: b/bytes, k/KiB/KB, M/MiB/MB, ... up to E (powers of 1024 unless the unit ends in B without i).</summary>
    public static ulong Scale(string unit, string where)
    {
        if (unit is "b" or "B" or "bytes" or "") return 1;
        var p = "KMGTPE".IndexOf(char.ToUpperInvariant(unit[0]));
        var rest = unit[1..];
        if (p < 0 || rest is not ("" or "iB" or "B" or "ib"))
            throw new VireoException(ErrorCode.XmlValidation, $"unknown unit '{unit}' for {where}");
        var b = rest == "B" ? 1000UL : 1024UL;
        ulong s = 1;
        for (var i = 0; i <= p; i++) s *= b;
        return s;
    }
}
