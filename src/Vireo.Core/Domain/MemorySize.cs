using Vireo.Core.Errors;

namespace Vireo.Core.Domain;

/// <summary>libvirt's scaled integers: a value with a unit attribute, normalised to KiB.</summary>
public static class MemorySize
{
    public static long ToKiB(string value, string? unit, string where)
    {
        if (!ulong.TryParse(value.Trim(), out var n))
            throw new VireoException(ErrorCode.XmlValidation, $"invalid value '{value}' for {where}: expected a non-negative integer");
        var bytes = (unit ?? "KiB") switch
        {
            "b" or "B" or "bytes" => 1UL,
            "KB" => 1000UL,
            "k" or "K" or "KiB" => 1024UL,
            "MB" => 1000UL * 1000,
            "m" or "M" or "MiB" => 1024UL * 1024,
            "GB" => 1000UL * 1000 * 1000,
            "g" or "G" or "GiB" => 1024UL * 1024 * 1024,
            "TB" => 1000UL * 1000 * 1000 * 1000,
            "t" or "T" or "TiB" => 1024UL * 1024 * 1024 * 1024,
            _ => throw new VireoException(ErrorCode.XmlValidation, $"unknown unit '{unit}' for {where}"),
        };
        var total = n * bytes;
        return (long)((total + 1023) / 1024);
    }
}
